//! Compile-fail cases of the macro front-end (trybuild, `.stderr` committed; bless with
//! `TRYBUILD=overwrite`). One `#[test]` per case, each an error a user can act on; pass cases
//! in `ui_macros_pass/`.

#[test]
fn actor_without_name() {
    trybuild::TestCases::new().compile_fail("tests/ui_macros/actor_without_name.rs");
}

#[test]
fn all_errors_at_once() {
    trybuild::TestCases::new().compile_fail("tests/ui_macros/all_errors_at_once.rs");
}

#[test]
fn handler_signatures() {
    trybuild::TestCases::new().compile_fail("tests/ui_macros/handler_signatures.rs");
}

#[test]
fn cross_module_same_name() {
    trybuild::TestCases::new().compile_fail("tests/ui_macros/cross_module_same_name.rs");
}

#[test]
fn calls_path_elsewhere() {
    trybuild::TestCases::new().compile_fail("tests/ui_macros/calls_path_elsewhere.rs");
}

#[test]
fn bad_duration() {
    trybuild::TestCases::new().compile_fail("tests/ui_macros/bad_duration.rs");
}

#[test]
fn bad_overflow() {
    trybuild::TestCases::new().compile_fail("tests/ui_macros/bad_overflow.rs");
}

#[test]
fn misspelled_word_values() {
    trybuild::TestCases::new().compile_fail("tests/ui_macros/misspelled_word_values.rs");
}

#[test]
fn bad_shutdown() {
    trybuild::TestCases::new().compile_fail("tests/ui_macros/bad_shutdown.rs");
}

#[test]
fn blocking_cast_cycle() {
    trybuild::TestCases::new().compile_fail("tests/ui_macros/blocking_cast_cycle.rs");
}

#[test]
fn call_through_cast_only() {
    trybuild::TestCases::new().compile_fail("tests/ui_macros/call_through_cast_only.rs");
}

#[test]
fn calls_unknown_actor() {
    trybuild::TestCases::new().compile_fail("tests/ui_macros/calls_unknown_actor.rs");
}

#[test]
fn cast_with_reply() {
    trybuild::TestCases::new().compile_fail("tests/ui_macros/cast_with_reply.rs");
}

#[test]
fn derive_outside_system() {
    trybuild::TestCases::new().compile_fail("tests/ui_macros/derive_outside_system.rs");
}

#[test]
fn duplicate_actor_name() {
    trybuild::TestCases::new().compile_fail("tests/ui_macros/duplicate_actor_name.rs");
}

#[test]
fn dynamic_wrong_strategy() {
    trybuild::TestCases::new().compile_fail("tests/ui_macros/dynamic_wrong_strategy.rs");
}

#[test]
fn handler_not_async() {
    trybuild::TestCases::new().compile_fail("tests/ui_macros/handler_not_async.rs");
}

#[test]
fn handler_without_ctx() {
    trybuild::TestCases::new().compile_fail("tests/ui_macros/handler_without_ctx.rs");
}

#[test]
fn handler_without_self() {
    trybuild::TestCases::new().compile_fail("tests/ui_macros/handler_without_self.rs");
}

#[test]
fn handler_wrong_ctx_type() {
    trybuild::TestCases::new().compile_fail("tests/ui_macros/handler_wrong_ctx_type.rs");
}

#[test]
fn handlers_on_unknown_struct() {
    trybuild::TestCases::new().compile_fail("tests/ui_macros/handlers_on_unknown_struct.rs");
}

#[test]
fn misspelled_call_option() {
    trybuild::TestCases::new().compile_fail("tests/ui_macros/misspelled_call_option.rs");
}

#[test]
fn misspelled_mailbox_option() {
    trybuild::TestCases::new().compile_fail("tests/ui_macros/misspelled_mailbox_option.rs");
}

#[test]
fn misspelled_option() {
    trybuild::TestCases::new().compile_fail("tests/ui_macros/misspelled_option.rs");
}

#[test]
fn self_call() {
    trybuild::TestCases::new().compile_fail("tests/ui_macros/self_call.rs");
}

#[test]
fn significant_permanent() {
    trybuild::TestCases::new().compile_fail("tests/ui_macros/significant_permanent.rs");
}

#[test]
fn three_cycle() {
    trybuild::TestCases::new().compile_fail("tests/ui_macros/three_cycle.rs");
}

#[test]
fn two_cycle() {
    trybuild::TestCases::new().compile_fail("tests/ui_macros/two_cycle.rs");
}

#[test]
fn unbounded_and_capacity() {
    trybuild::TestCases::new().compile_fail("tests/ui_macros/unbounded_and_capacity.rs");
}

#[test]
fn undeclared_call() {
    trybuild::TestCases::new().compile_fail("tests/ui_macros/undeclared_call.rs");
}

#[test]
fn unknown_child_actor() {
    trybuild::TestCases::new().compile_fail("tests/ui_macros/unknown_child_actor.rs");
}

#[test]
fn unknown_option() {
    trybuild::TestCases::new().compile_fail("tests/ui_macros/unknown_option.rs");
}

#[test]
fn unknown_restart() {
    trybuild::TestCases::new().compile_fail("tests/ui_macros/unknown_restart.rs");
}

#[test]
fn unknown_strategy() {
    trybuild::TestCases::new().compile_fail("tests/ui_macros/unknown_strategy.rs");
}

#[test]
fn zero_capacity() {
    trybuild::TestCases::new().compile_fail("tests/ui_macros/zero_capacity.rs");
}

#[test]
fn zero_max_seconds() {
    trybuild::TestCases::new().compile_fail("tests/ui_macros/zero_max_seconds.rs");
}

#[test]
fn zero_timeout() {
    trybuild::TestCases::new().compile_fail("tests/ui_macros/zero_timeout.rs");
}

#[test]
fn protocol_missing_handler() {
    trybuild::TestCases::new().compile_fail("tests/ui_macros/protocol_missing_handler.rs");
}

#[test]
fn protocol_extra_handler() {
    trybuild::TestCases::new().compile_fail("tests/ui_macros/protocol_extra_handler.rs");
}

#[test]
fn protocol_wrong_types() {
    trybuild::TestCases::new().compile_fail("tests/ui_macros/protocol_wrong_types.rs");
}

#[test]
fn protocol_wrong_kind() {
    trybuild::TestCases::new().compile_fail("tests/ui_macros/protocol_wrong_kind.rs");
}

#[test]
fn unknown_protocol() {
    trybuild::TestCases::new().compile_fail("tests/ui_macros/unknown_protocol.rs");
}

#[test]
fn protocol_message_unmarked() {
    trybuild::TestCases::new().compile_fail("tests/ui_macros/protocol_message_unmarked.rs");
}

#[test]
fn registry_without_keys() {
    trybuild::TestCases::new().compile_fail("tests/ui_macros/registry_without_keys.rs");
}

#[test]
fn registry_bad_options() {
    trybuild::TestCases::new().compile_fail("tests/ui_macros/registry_bad_options.rs");
}

#[test]
fn misspelled_child_option() {
    trybuild::TestCases::new().compile_fail("tests/ui_macros/misspelled_child_option.rs");
}

#[test]
fn allow_unknown_lint() {
    trybuild::TestCases::new().compile_fail("tests/ui_macros/allow_unknown_lint.rs");
}

#[test]
fn allow_without_reason() {
    trybuild::TestCases::new().compile_fail("tests/ui_macros/allow_without_reason.rs");
}

#[test]
fn lint_warning_denied() {
    trybuild::TestCases::new().compile_fail("tests/ui_macros/lint_warning_denied.rs");
}

/// The lints of `lint_warning_denied`, allowed where they fire: compiles under
/// `#![deny(warnings)]`.
#[test]
fn lint_allowed() {
    trybuild::TestCases::new().pass("tests/ui_macros_pass/lint_allowed.rs");
}

#[test]
fn nested_supervisor_field() {
    trybuild::TestCases::new().compile_fail("tests/ui_macros/nested_supervisor_field.rs");
}

#[test]
fn deferred_async_fn() {
    trybuild::TestCases::new().compile_fail("tests/ui_macros/deferred_async_fn.rs");
}

#[test]
fn cross_module_two_cycle() {
    trybuild::TestCases::new().compile_fail("tests/ui_macros/cross_module_two_cycle.rs");
}

#[test]
fn cross_module_three_cycle() {
    trybuild::TestCases::new().compile_fail("tests/ui_macros/cross_module_three_cycle.rs");
}

#[test]
fn cross_module_blocking_cast_cycle() {
    trybuild::TestCases::new().compile_fail("tests/ui_macros/cross_module_blocking_cast_cycle.rs");
}

#[test]
fn extern_wrong_path() {
    trybuild::TestCases::new().compile_fail("tests/ui_macros/extern_wrong_path.rs");
}

#[test]
fn extern_unknown_option() {
    trybuild::TestCases::new().compile_fail("tests/ui_macros/extern_unknown_option.rs");
}

#[test]
fn app_on_nested_supervisor() {
    trybuild::TestCases::new().compile_fail("tests/ui_macros/app_on_nested_supervisor.rs");
}

#[test]
fn calls_during_init_dynamic() {
    trybuild::TestCases::new().compile_fail("tests/ui_macros/calls_during_init_dynamic.rs");
}

#[test]
fn cross_node_cycle() {
    trybuild::TestCases::new().compile_fail("tests/ui_macros/cross_node_cycle.rs");
}

#[test]
fn remote_not_serde() {
    trybuild::TestCases::new().compile_fail("tests/ui_macros/remote_not_serde.rs");
}

#[test]
fn nested_module_rules() {
    trybuild::TestCases::new().compile_fail("tests/ui_macros/nested_module_rules.rs");
}
