// An exported actor's protocol crosses nodes: its argument and reply types must be serde
// types. `Secret` is not: the error names the protocol and the type, on the type.

#[arbor_macros::system]
mod bank {
    use arbor_macros::{Actor, Supervisor};

    pub struct Secret(pub String);

    #[derive(Default, Actor)]
    #[actor(export)]
    pub struct VaultState;

    #[handlers(protocol = "VaultApi")]
    impl VaultState {
        #[call]
        async fn open(&mut self, key: Secret, _ctx: &mut vault::Ctx) -> bool {
            !key.0.is_empty()
        }
    }

    #[derive(Supervisor)]
    pub struct VaultSup {
        vault: Vault,
    }
}

fn main() {}
