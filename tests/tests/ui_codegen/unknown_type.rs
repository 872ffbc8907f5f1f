// A type the spec names but the crate does not have (`arg key Strng`): the first error is
// on the line of the generated file (as build.rs writes it) that ends with the spec's location,
// `tests/ui_codegen/specs/unknown_type.kdl:4:17`, before the generated code's own uses of it.

mod kv {
    include!("generated/unknown_type.rs");

    pub struct KvState;

    impl kv_store::State for KvState {
        type Args = ();
        async fn init(_: (), _ctx: &mut kv_store::Ctx) -> Result<Self, arbor::ExitReason> {
            Ok(KvState)
        }
    }
}

fn main() {}
