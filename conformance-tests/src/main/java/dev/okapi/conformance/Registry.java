package dev.okapi.conformance;

import java.util.ArrayList;
import java.util.EnumSet;
import java.util.List;
import java.util.Set;

/**
 * Builds the case list: sections hold numbered groups, groups hold numbered cases, so every case
 * has an address like {@code data/3/2} (h2spec's scheme) besides the spec id it checks.
 */
final class Registry {

    private final List<Case> cases = new ArrayList<>();
    private String section;
    private int group;
    private String groupTitle;
    private int number;
    private Set<Need> pending = EnumSet.noneOf(Need.class);

    /** Every case of the suite, in running order. */
    static List<Case> all() {
        Registry r = new Registry();
        HttpCases.register(r);
        PathCases.register(r);
        DataCases.register(r);
        ConnectCases.register(r);
        AuthCases.register(r);
        MgmtCases.register(r);
        HostileCases.register(r);
        return List.copyOf(r.cases);
    }

    Registry section(String name) {
        section = name;
        group = 0;
        return this;
    }

    Registry group(String title) {
        group++;
        groupTitle = title;
        number = 0;
        return this;
    }

    /** The options the next case needs. */
    Registry needs(Need... needs) {
        pending = needs.length == 0 ? EnumSet.noneOf(Need.class) : EnumSet.of(needs[0], needs);
        return this;
    }

    Registry must(String spec, String description, Check check) {
        return add(Level.MUST, spec, description, check);
    }

    Registry should(String spec, String description, Check check) {
        return add(Level.SHOULD, spec, description, check);
    }

    private Registry add(Level level, String spec, String description, Check check) {
        number++;
        cases.add(new Case(section + "/" + group + "/" + number, groupTitle, spec, level, pending, description, check));
        pending = EnumSet.noneOf(Need.class);
        return this;
    }
}
