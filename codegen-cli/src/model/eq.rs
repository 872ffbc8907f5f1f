//! Equality of model items that ignores spans.
//!
//! Two front-ends build the same system with different spans (a KDL file, a
//! Rust file); the test that they agree compares models with `==`.

use super::*;

/// Implements `PartialEq` comparing every field but `span`.
///
/// The destructuring `let` lists the fields exhaustively: adding a field to an
/// item without adding it here is a compile error, not a silently ignored field.
macro_rules! eq_ignoring_span {
    ($($ty:ident { $($field:ident),* $(,)? })*) => {$(
        impl PartialEq for $ty {
            fn eq(&self, other: &Self) -> bool {
                let $ty { $($field,)* span: _ } = self;
                true $(&& *$field == other.$field)*
            }
        }
    )*};
}

eq_ignoring_span! {
    Protocol { name, messages }
    Message { name, kind, args }
    Arg { name, ty }
    Actor { name, serves, state, mailbox, calls, casts, deferred, terminate, allows, export }
    Dependency { target, during }
    Mailbox { kind }
    Supervisor { name, strategy, intensity, auto_shutdown, children, allows }
    Child { id, restart, shutdown, significant, kind }
    DynamicSupervisor { name, strategy, intensity, max_children, partitions, template, allows }
    Template { actor, restart, shutdown, allows }
    TaskSupervisor { name, max_children }
    Registry { name, keys, partitions }
    App { name, root }
    ExternActor { name, path, remote }
    Remote { node }
}

impl PartialEq for Allow {
    fn eq(&self, other: &Self) -> bool {
        self.lint_name() == other.lint_name() && self.reason == other.reason
    }
}

/// Top-level items compare as sets keyed by name: their order in a file (or
/// across files and modules) carries no meaning.
impl PartialEq for Spec {
    fn eq(&self, other: &Self) -> bool {
        let Spec {
            protocols,
            actors,
            externs,
            supervisors,
            apps,
        } = self;
        same_items(protocols, &other.protocols, |p| p.name.as_str())
            && same_items(actors, &other.actors, |a| a.name.as_str())
            && same_items(supervisors, &other.supervisors, |s| s.name.as_str())
            && same_items(externs, &other.externs, |e| e.name.as_str())
            && same_items(apps, &other.apps, |a| a.name.as_str())
    }
}

fn same_items<T: PartialEq>(a: &[T], b: &[T], key: impl Fn(&T) -> &str) -> bool {
    if a.len() != b.len() {
        return false;
    }
    let mut a: Vec<&T> = a.iter().collect();
    let mut b: Vec<&T> = b.iter().collect();
    a.sort_by(|x, y| key(x).cmp(key(y)));
    b.sort_by(|x, y| key(x).cmp(key(y)));
    a.iter().zip(&b).all(|(x, y)| x == y)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::source::SourceMap;

    fn app(name: &str, root: &str, span: Span) -> App {
        App {
            name: Ident::parse(name, span).expect("valid"),
            root: Ident::parse(root, span).expect("valid"),
            span,
        }
    }

    #[test]
    fn spans_and_top_level_order_do_not_matter() {
        let mut map = SourceMap::new();
        let a = Span::new(map.add("a", "x"), 0, 1);
        let b = Span::detached();
        let one = Spec {
            apps: vec![app("A", "S", a), app("B", "S", a)],
            ..Spec::default()
        };
        let two = Spec {
            apps: vec![app("B", "S", b), app("A", "S", b)],
            ..Spec::default()
        };
        assert_eq!(one, two);
        let three = Spec {
            apps: vec![app("B", "T", b), app("A", "S", b)],
            ..Spec::default()
        };
        assert_ne!(one, three);
    }
}
