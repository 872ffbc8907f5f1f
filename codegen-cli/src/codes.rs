//! Every diagnostic code, in one place.
//!
//! Codes are stable: tools and `allow` lines match on them. They are all
//! `arbor::snake_case`; errors cannot be allowed, lints (warnings) can — by
//! name, with or without the `arbor::` prefix. The lint table with the
//! summaries lives in [`crate::check::lints::LINTS`].

// Front-end: reading a spec file.

/// The file could not be read.
pub const IO: &str = "arbor::io";
/// The file is not valid KDL 2.0.
pub const SYNTAX: &str = "arbor::syntax";
/// A node the language does not have here.
pub const UNKNOWN_NODE: &str = "arbor::unknown_node";
/// A property the node does not have.
pub const UNKNOWN_PROPERTY: &str = "arbor::unknown_property";
/// A property given twice on one node.
pub const DUPLICATE_PROPERTY: &str = "arbor::duplicate_property";
/// A required argument, property or child node is missing.
pub const MISSING_VALUE: &str = "arbor::missing_value";
/// An argument, child block or annotation the node does not take.
pub const UNEXPECTED_VALUE: &str = "arbor::unexpected_value";
/// A value of the wrong kind or outside the allowed words or range.
pub const INVALID_VALUE: &str = "arbor::invalid_value";
/// A name that is not a Rust identifier (or is a keyword).
pub const INVALID_IDENTIFIER: &str = "arbor::invalid_identifier";
/// A type syn does not parse, or one a message cannot hold.
pub const INVALID_TYPE: &str = "arbor::invalid_type";
/// A duration that does not parse, or zero where zero makes no sense.
pub const INVALID_DURATION: &str = "arbor::invalid_duration";
/// An extern actor's path that syn does not parse as a module path.
pub const INVALID_PATH: &str = "arbor::invalid_path";

// Analysis: validation errors (OTP's own rules).

/// A name that refers to nothing.
pub const UNKNOWN_REFERENCE: &str = "arbor::unknown_reference";
/// A name that refers to an item of the wrong kind.
pub const WRONG_KIND: &str = "arbor::wrong_kind";
/// Two items with one name.
pub const DUPLICATE_NAME: &str = "arbor::duplicate_name";
/// Two children of one supervisor with one id.
pub const DUPLICATE_CHILD_ID: &str = "arbor::duplicate_child_id";
/// A significant child that is permanent.
pub const SIGNIFICANT_PERMANENT: &str = "arbor::significant_permanent";
/// A significant child under a supervisor with `auto-shutdown=never`.
pub const SIGNIFICANT_WITHOUT_AUTO_SHUTDOWN: &str = "arbor::significant_without_auto_shutdown";
/// A dynamic supervisor with a strategy other than one_for_one.
pub const DYNAMIC_STRATEGY: &str = "arbor::dynamic_strategy";
/// `max-seconds=0`.
pub const ZERO_PERIOD: &str = "arbor::zero_period";
/// An app whose root is not a top-level supervisor.
pub const INVALID_ROOT: &str = "arbor::invalid_root";
/// An `allow` naming no lint (or naming an error).
pub const UNKNOWN_LINT: &str = "arbor::unknown_lint";
/// A cycle of synchronous calls.
pub const CALL_CYCLE: &str = "arbor::call_cycle";
/// A call during start-up to an actor not started before the caller.
pub const BOOT_ORDER: &str = "arbor::boot_order";
/// An `export` the cluster cannot serve: an actor of several protocols, of no or several
/// instances, or a name exported twice.
pub const INVALID_EXPORT: &str = "arbor::invalid_export";

/// Every error code, for documentation tests.
pub const ERRORS: &[&str] = &[
    IO,
    SYNTAX,
    UNKNOWN_NODE,
    UNKNOWN_PROPERTY,
    DUPLICATE_PROPERTY,
    MISSING_VALUE,
    UNEXPECTED_VALUE,
    INVALID_VALUE,
    INVALID_IDENTIFIER,
    INVALID_TYPE,
    INVALID_DURATION,
    INVALID_PATH,
    UNKNOWN_REFERENCE,
    WRONG_KIND,
    DUPLICATE_NAME,
    DUPLICATE_CHILD_ID,
    SIGNIFICANT_PERMANENT,
    SIGNIFICANT_WITHOUT_AUTO_SHUTDOWN,
    DYNAMIC_STRATEGY,
    ZERO_PERIOD,
    INVALID_ROOT,
    UNKNOWN_LINT,
    CALL_CYCLE,
    BOOT_ORDER,
    INVALID_EXPORT,
];

/// What each error code reports, in one line (SARIF rule descriptions).
const ERROR_SUMMARIES: &[(&str, &str)] = &[
    (IO, "the file could not be read"),
    (SYNTAX, "the file is not valid KDL 2.0"),
    (UNKNOWN_NODE, "a node the language does not have here"),
    (UNKNOWN_PROPERTY, "a property the node does not have"),
    (DUPLICATE_PROPERTY, "a property given twice on one node"),
    (
        MISSING_VALUE,
        "a required argument, property or child node is missing",
    ),
    (
        UNEXPECTED_VALUE,
        "an argument, child block or annotation the node does not take",
    ),
    (
        INVALID_VALUE,
        "a value of the wrong kind or outside the allowed words or range",
    ),
    (
        INVALID_IDENTIFIER,
        "a name that is not a Rust identifier (or is a keyword)",
    ),
    (
        INVALID_TYPE,
        "a type syn does not parse, or one a message cannot hold",
    ),
    (
        INVALID_DURATION,
        "a duration that does not parse, or zero where zero makes no sense",
    ),
    (
        INVALID_PATH,
        "an extern actor's path that is not a module path",
    ),
    (UNKNOWN_REFERENCE, "a name that refers to nothing"),
    (
        WRONG_KIND,
        "a name that refers to an item of the wrong kind",
    ),
    (DUPLICATE_NAME, "two items with one name"),
    (
        DUPLICATE_CHILD_ID,
        "two children of one supervisor with one id",
    ),
    (
        SIGNIFICANT_PERMANENT,
        "a significant child that is permanent",
    ),
    (
        SIGNIFICANT_WITHOUT_AUTO_SHUTDOWN,
        "a significant child under a supervisor with `auto-shutdown=never`",
    ),
    (
        DYNAMIC_STRATEGY,
        "a dynamic supervisor with a strategy other than one_for_one",
    ),
    (ZERO_PERIOD, "`max-seconds=0`"),
    (
        INVALID_ROOT,
        "an app whose root is not a top-level supervisor",
    ),
    (
        UNKNOWN_LINT,
        "an `allow` naming no lint (or naming an error)",
    ),
    (CALL_CYCLE, "a cycle of synchronous calls"),
    (
        INVALID_EXPORT,
        "an exported actor that cannot be served across nodes (not one protocol, not one static instance, a name used twice)",
    ),
    (
        BOOT_ORDER,
        "a call during start-up to an actor not started before the caller",
    ),
];

/// What a code (error or lint) reports, in one line; `None` for an unknown code.
pub fn summary(code: &str) -> Option<&'static str> {
    ERROR_SUMMARIES
        .iter()
        .find(|(c, _)| *c == code)
        .map(|(_, s)| *s)
        .or_else(|| {
            crate::check::lints::LINTS
                .iter()
                .find(|l| l.code == code)
                .map(|l| l.summary)
        })
}

#[cfg(test)]
mod tests {
    #[test]
    fn every_error_and_lint_has_a_summary() {
        for code in super::ERRORS {
            assert!(super::summary(code).is_some(), "{code}");
        }
        for lint in crate::check::lints::LINTS {
            assert_eq!(super::summary(lint.code), Some(lint.summary));
        }
        assert_eq!(super::summary("arbor::nope"), None);
    }
}
