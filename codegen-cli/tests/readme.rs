//! The README's snippets cannot rot: every KDL block passes `arbor check` without a
//! diagnostic, the chat spec it shows is `specs/chat.kdl` word for word (the handler example
//! is compiled and run against that spec's generated code as a doc test of `arbor-specs`), its
//! `Cargo.toml` block names every crate the Rust blocks use, and no Rust block is left out of
//! the doc tests.

use std::path::Path;

use arbor_codegen::diagnostics::{RenderOptions, render_human};

fn workspace() -> &'static Path {
    Path::new(concat!(env!("CARGO_MANIFEST_DIR"), "/.."))
}

fn readme() -> String {
    std::fs::read_to_string(workspace().join("README.md")).expect("README.md")
}

/// The fenced blocks of `text`: (info string, body, line of the opening fence).
fn blocks(text: &str) -> Vec<(String, String, usize)> {
    let mut out = Vec::new();
    let mut open: Option<(String, String, usize)> = None;
    for (n, line) in text.lines().enumerate() {
        match open.take() {
            None => {
                if let Some(info) = line.strip_prefix("```") {
                    open = Some((info.trim().to_owned(), String::new(), n + 1));
                }
            }
            Some((info, mut body, at)) => {
                if line.trim_end() == "```" {
                    out.push((info, body, at));
                } else {
                    body.push_str(line);
                    body.push('\n');
                    open = Some((info, body, at));
                }
            }
        }
    }
    assert!(open.is_none(), "README.md has an unclosed code block");
    out
}

fn lang(info: &str) -> &str {
    info.split([',', ' ']).next().unwrap_or("")
}

#[test]
fn every_kdl_block_of_the_readme_checks_clean() {
    let text = readme();
    let kdl: Vec<_> = blocks(&text)
        .into_iter()
        .filter(|(info, _, _)| lang(info) == "kdl")
        .collect();
    assert!(
        kdl.len() >= 2,
        "the README shows the chat spec and an extern actor"
    );
    for (_, body, line) in kdl {
        let name = format!("README.md:{line}");
        let (spec, sources) = match arbor_codegen::load_str(&[(&name, &body)]) {
            Ok(loaded) => loaded,
            Err(failure) => panic!("the KDL block at {name} does not parse:\n{failure}"),
        };
        let diagnostics = arbor_codegen::check(&spec);
        assert!(
            diagnostics.is_empty(),
            "`arbor check` on the KDL block at {name}:\n{}",
            render_human(&diagnostics, &sources, &RenderOptions::default())
        );
    }
}

/// `specs/chat.kdl` without its leading comment.
fn chat_spec() -> String {
    let text = std::fs::read_to_string(workspace().join("specs/chat.kdl")).expect("chat.kdl");
    text.lines()
        .skip_while(|l| l.starts_with("//") || l.trim().is_empty())
        .map(|l| format!("{l}\n"))
        .collect()
}

#[test]
fn the_readme_spec_is_specs_chat_kdl() {
    let text = readme();
    let all = blocks(&text);
    let (_, body, line) = all
        .iter()
        .find(|(info, _, _)| lang(info) == "kdl")
        .expect("a KDL block");
    assert_eq!(
        body,
        &chat_spec(),
        "the README's spec (line {line}) and specs/chat.kdl differ: the README's handler \
         example is compiled against specs/chat.kdl"
    );
}

#[test]
fn every_rust_block_of_the_readme_is_a_doc_test() {
    let text = readme();
    let lib = std::fs::read_to_string(workspace().join("specs/src/lib.rs")).unwrap();
    assert!(
        lib.contains("#[doc = include_str!(\"../../README.md\")]"),
        "arbor-specs runs the README's Rust blocks as doc tests"
    );
    let rust: Vec<_> = blocks(&text)
        .into_iter()
        .filter(|(info, _, _)| lang(info) == "rust" || info.is_empty())
        .collect();
    assert!(rust.len() >= 4, "build.rs, handlers, macros, externs");
    for (info, body, line) in &rust {
        assert!(
            !info.contains("ignore"),
            "README.md:{line}: a Rust block that is not compiled ({info})"
        );
        // A block that runs is a whole program, as a user would save it.
        assert!(
            info.contains("no_run") || body.contains("fn main"),
            "README.md:{line}: a runnable Rust block without `fn main`"
        );
    }
}

#[test]
fn the_readme_cargo_toml_names_every_crate_its_rust_blocks_use() {
    let text = readme();
    let all = blocks(&text);
    let toml: String = all
        .iter()
        .filter(|(info, _, _)| lang(info) == "toml")
        .map(|(_, body, _)| body.as_str())
        .collect();
    let rust: String = all
        .iter()
        .filter(|(info, _, _)| lang(info) == "rust")
        .map(|(_, body, _)| body.as_str())
        .collect();
    for (krate, dir) in [
        ("arbor", Some("runtime")),
        ("arbor_macros", Some("macros")),
        ("arbor_codegen", Some("codegen-cli")),
        ("tokio", None),
    ] {
        if !rust.contains(&format!("{krate}::")) {
            continue;
        }
        let package = krate.replace('_', "-");
        let line = toml
            .lines()
            .find(|l| l.starts_with(&format!("{package} ")))
            .unwrap_or_else(|| panic!("the README uses `{krate}` but its Cargo.toml lacks it"));
        if krate == "tokio" {
            assert!(
                line.contains("macros") && line.contains("rt-multi-thread"),
                "`#[tokio::main]` needs tokio's `macros` and `rt-multi-thread`: {line}"
            );
        }
        if let Some(dir) = dir {
            // The path points at this repository's crate of that name.
            assert!(
                line.contains(&format!("/arbor/{dir}\"")),
                "`{package}` should be the repository's `{dir}/`: {line}"
            );
            let manifest = std::fs::read_to_string(workspace().join(dir).join("Cargo.toml"))
                .expect("the crate's manifest");
            assert!(
                manifest.contains(&format!("name = \"{package}\"")),
                "{dir}/Cargo.toml is not `{package}`"
            );
        }
    }
}
