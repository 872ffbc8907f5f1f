use arbor_macros::Actor;

#[derive(Default, Actor)]
#[actor(mailbox(capacity = 8))]
pub struct CounterState;

fn main() {}
