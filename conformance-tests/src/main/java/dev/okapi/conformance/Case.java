package dev.okapi.conformance;

import java.util.Objects;
import java.util.Set;

/**
 * One conformance case.
 *
 * @param id          address such as {@code data/3/2}: section, group, number
 * @param group       the group's title, e.g. {@code control channel}
 * @param spec        the requirement checked, e.g. {@code DATA-11}
 * @param level       MUST or SHOULD, as the requirement's key word
 * @param needs       command-line options without which the case is skipped
 * @param description one line
 * @param check       the body
 */
record Case(String id, String group, String spec, Level level, Set<Need> needs, String description, Check check) {

    Case {
        Objects.requireNonNull(id, "id required");
        Objects.requireNonNull(group, "group required");
        Objects.requireNonNull(spec, "spec required");
        Objects.requireNonNull(level, "level required");
        needs = Set.copyOf(needs);
        Objects.requireNonNull(description, "description required");
        Objects.requireNonNull(check, "check required");
    }

    /** The section part of the id, e.g. {@code data}. */
    String section() {
        return id.substring(0, id.indexOf('/'));
    }
}
