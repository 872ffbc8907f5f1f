// The generated code of `specs/not_serde.kdl`: protocol `Vault` crosses nodes (an exported
// actor serves it), but its argument type `Secret` is not a serde type. The error names the
// protocol, the type and where the protocol is declared in the spec.

include!("generated/not_serde.rs");

pub struct Secret(pub String);

pub struct VaultState;

impl vault_server::State for VaultState {
    type Args = ();
    async fn init(_: (), _ctx: &mut vault_server::Ctx) -> Result<Self, arbor::ExitReason> {
        Ok(VaultState)
    }
}

impl vault::Handler<vault_server::Ctx> for VaultState {
    async fn open(&mut self, key: Secret, _ctx: &mut vault_server::Ctx) -> bool {
        !key.0.is_empty()
    }
}

fn main() {}
