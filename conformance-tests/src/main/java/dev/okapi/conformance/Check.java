package dev.okapi.conformance;

/** The body of a case: returns normally on a pass, throws {@link Failure} (or anything) on a fail. */
@FunctionalInterface
interface Check {
    void run(Ctx c) throws Exception;
}
