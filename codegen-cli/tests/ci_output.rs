//! `arbor check` in a CI: GitHub workflow annotations, SARIF 2.1.0, and the exit codes of
//! every format, through the binary.
//!
//! The SARIF document is checked against the structural requirements of the SARIF 2.1.0
//! schema (required properties, enums, ranges, no property the schema does not define on the
//! objects arbor writes); the schema text itself is not vendored here.

use std::collections::BTreeMap;
use std::path::Path;
use std::process::{Command, Output};

use serde_json::Value;

fn arbor_in(dir: &Path, args: &[&str], env: &[(&str, &str)]) -> Output {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_arbor"));
    cmd.args(args)
        .current_dir(dir)
        .env("NO_COLOR", "1")
        .env_remove("GITHUB_WORKSPACE");
    for (k, v) in env {
        cmd.env(k, v);
    }
    cmd.output().expect("the arbor binary runs")
}

/// `Front` calls `Back` calls `Front`, and `Back`'s mailbox is unbounded.
const CYCLE: &str = "\
protocol Ask {
    call ask reply=u32 timeout=\"1s\"
}
actor Front {
    serves Ask
    state S
    calls Back
    allow timeout_cascade reason=\"a test\"
}
actor Back {
    serves Ask
    state S
    mailbox unbounded=#true
    calls Front
    allow timeout_cascade reason=\"a test\"
}
supervisor Top strategy=rest_for_one {
    child back actor=Back
    child front actor=Front
}
";

/// Only a warning: an unbounded mailbox.
const WARNS: &str = "protocol P {\n    cast c\n}\nactor A {\n    serves P\n    state S\n    mailbox unbounded=#true\n}\nsupervisor T {\n    child a actor=A\n}\n";

const CLEAN: &str = "protocol P {\n    cast c\n}\nactor A {\n    serves P\n    state S\n}\nsupervisor T {\n    child a actor=A\n}\n";

fn project(files: &[(&str, &str)]) -> tempfile::TempDir {
    let dir = tempfile::tempdir().expect("temp dir");
    for (name, text) in files {
        std::fs::write(dir.path().join(name), text).expect("written");
    }
    dir
}

/// One parsed workflow command.
#[derive(Debug)]
struct Annotation {
    command: String,
    properties: BTreeMap<String, String>,
    message: String,
}

fn unescape(text: &str) -> String {
    text.replace("%0A", "\n")
        .replace("%0D", "\r")
        .replace("%3A", ":")
        .replace("%2C", ",")
        .replace("%25", "%")
}

/// Parses `::command k=v,k=v::message`, checking GitHub's escaping on the way: no raw line
/// break anywhere, no raw `:` or `,` inside a property value, `%` only as an escape.
fn parse_annotation(line: &str) -> Annotation {
    let rest = line
        .strip_prefix("::")
        .expect("a workflow command starts with ::");
    let (head, message) = rest.split_once("::").expect("`::` before the message");
    let (command, props) = head.split_once(' ').unwrap_or((head, ""));
    let mut properties = BTreeMap::new();
    for prop in props.split(',').filter(|p| !p.is_empty()) {
        let (k, v) = prop.split_once('=').expect("key=value");
        assert!(!v.contains(':'), "raw `:` in property {k}: {line}");
        properties.insert(k.to_owned(), unescape(v));
    }
    for part in [props, message] {
        for (i, _) in part.match_indices('%') {
            let escape = &part[i..(i + 3).min(part.len())];
            assert!(
                ["%25", "%0D", "%0A", "%3A", "%2C"].contains(&escape),
                "unescaped % in {line}"
            );
        }
    }
    Annotation {
        command: command.to_owned(),
        properties,
        message: unescape(message),
    }
}

#[test]
fn github_annotations_sit_on_the_spec_lines_with_documented_escaping() {
    let dir = project(&[("cycle.kdl", CYCLE)]);
    let out = arbor_in(
        dir.path(),
        &["check", "--format", "github", "cycle.kdl"],
        &[],
    );
    assert_eq!(out.status.code(), Some(1));
    let stdout = String::from_utf8(out.stdout).expect("UTF-8");
    let lines: Vec<&str> = stdout.lines().collect();
    assert_eq!(lines.len(), 2, "{stdout}");
    let cycle = parse_annotation(lines[0]);
    assert_eq!(cycle.command, "error");
    let props: Vec<(&str, &str)> = cycle
        .properties
        .iter()
        .map(|(k, v)| (k.as_str(), v.as_str()))
        .collect();
    assert_eq!(
        props,
        [
            ("col", "5"),
            ("endColumn", "14"),
            ("endLine", "7"),
            ("file", "cycle.kdl"),
            ("line", "7"),
            ("title", "arbor::call_cycle"),
        ]
    );
    // The raw line: properties in the documented order, `::` of the code escaped.
    assert!(
        lines[0].starts_with(
            "::error file=cycle.kdl,line=7,endLine=7,col=5,endColumn=14,title=arbor%3A%3Acall_cycle::"
        ),
        "{}",
        lines[0]
    );
    let mut message = cycle.message.lines();
    assert_eq!(
        message.next(),
        Some("synchronous call cycle: Front → Back → Front")
    );
    assert_eq!(message.next(), Some("here: `Front` calls `Back`"));
    assert_eq!(message.next(), Some("cycle.kdl:14:5: `Back` calls `Front`"));
    assert!(message.next().is_some_and(|h| h.starts_with("help: ")));

    let warning = parse_annotation(lines[1]);
    assert_eq!(warning.command, "warning");
    assert_eq!(warning.properties["title"], "arbor::unbounded_mailbox");
    assert_eq!(warning.properties["line"], "13");

    // The summary goes to stderr, so stdout is annotations only.
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("1 error, 1 warning"), "{err}");
}

#[test]
fn github_file_properties_are_escaped_and_relative_to_the_workspace() {
    let dir = project(&[("odd, name: 100%.kdl", CYCLE)]);
    let absolute = dir.path().join("odd, name: 100%.kdl");
    let workspace = dir.path().display().to_string();
    let out = arbor_in(
        dir.path(),
        &["check", "--format", "github", absolute.to_str().unwrap()],
        &[("GITHUB_WORKSPACE", &workspace)],
    );
    let stdout = String::from_utf8(out.stdout).expect("UTF-8");
    let first = stdout.lines().next().expect("an annotation");
    assert!(
        first.starts_with("::error file=odd%2C name%3A 100%25.kdl,line=7,"),
        "{first}"
    );
    assert_eq!(
        parse_annotation(first).properties["file"],
        "odd, name: 100%.kdl"
    );
}

#[test]
fn github_paths_from_a_subdirectory_are_named_from_the_workspace_root() {
    let dir = project(&[]);
    let sub = dir.path().join("service");
    std::fs::create_dir_all(sub.join("specs")).unwrap();
    std::fs::write(sub.join("specs/cycle.kdl"), CYCLE).unwrap();
    let workspace = dir.path().display().to_string();
    let out = arbor_in(
        &sub,
        &["check", "--format", "github", "specs/cycle.kdl"],
        &[("GITHUB_WORKSPACE", &workspace)],
    );
    let stdout = String::from_utf8(out.stdout).expect("UTF-8");
    assert!(
        stdout.starts_with("::error file=service/specs/cycle.kdl,line=7,"),
        "{stdout}"
    );
    // Other labels, in the message, keep the path as given.
    assert!(stdout.contains("specs/cycle.kdl:14:5"), "{stdout}");
}

#[test]
fn an_unreadable_file_is_an_annotation_without_a_place() {
    let dir = project(&[]);
    let out = arbor_in(
        dir.path(),
        &["check", "--format", "github", "missing.kdl"],
        &[],
    );
    assert_eq!(out.status.code(), Some(1));
    let stdout = String::from_utf8(out.stdout).expect("UTF-8");
    let a = parse_annotation(stdout.trim_end());
    assert_eq!(a.command, "error");
    assert_eq!(
        a.properties.keys().collect::<Vec<_>>(),
        ["title"],
        "{stdout}"
    );
    assert_eq!(a.properties["title"], "arbor::io");
    assert!(a.message.contains("missing.kdl"), "{}", a.message);
}

/// Fails unless `object` has only properties of `allowed` and all of `required`.
fn properties(object: &Value, what: &str, required: &[&str], allowed: &[&str]) {
    let map = object
        .as_object()
        .unwrap_or_else(|| panic!("{what} is not an object: {object}"));
    for r in required {
        assert!(
            map.contains_key(*r),
            "{what} lacks required `{r}`: {object}"
        );
    }
    for k in map.keys() {
        assert!(
            allowed.contains(&k.as_str()) || required.contains(&k.as_str()),
            "{what} has `{k}`, which the schema does not define here"
        );
    }
}

fn positive(v: &Value, what: &str) -> u64 {
    let n = v
        .as_u64()
        .unwrap_or_else(|| panic!("{what} is not an integer: {v}"));
    assert!(n >= 1, "{what} must be >= 1");
    n
}

/// The SARIF 2.1.0 schema's requirements on the objects arbor writes.
fn assert_sarif_2_1_0(doc: &Value) {
    properties(
        doc,
        "sarifLog",
        &["version", "runs"],
        &["$schema", "inlineExternalProperties", "properties"],
    );
    assert_eq!(doc["version"], "2.1.0");
    let schema = doc["$schema"].as_str().expect("$schema is a string");
    assert!(
        schema.starts_with("https://") && schema.ends_with("sarif-schema-2.1.0.json"),
        "{schema}"
    );
    let runs = doc["runs"].as_array().expect("runs is an array");
    assert_eq!(runs.len(), 1);
    let run = &runs[0];
    properties(run, "run", &["tool"], &["results", "columnKind"]);
    assert!(["utf16CodeUnits", "unicodeCodePoints"].contains(&run["columnKind"].as_str().unwrap()));
    properties(&run["tool"], "tool", &["driver"], &[]);
    let driver = &run["tool"]["driver"];
    properties(
        driver,
        "toolComponent",
        &["name"],
        &["version", "semanticVersion", "rules"],
    );
    assert_eq!(driver["name"], "arbor");
    let rules = driver["rules"].as_array().expect("rules is an array");
    let mut ids: Vec<&str> = Vec::new();
    for rule in rules {
        properties(
            rule,
            "reportingDescriptor",
            &["id"],
            &["name", "shortDescription", "defaultConfiguration"],
        );
        let id = rule["id"].as_str().expect("id is a string");
        assert!(!ids.contains(&id), "rule {id} twice (ids are unique)");
        ids.push(id);
        if let Some(d) = rule.get("shortDescription") {
            properties(d, "multiformatMessageString", &["text"], &[]);
        }
        properties(
            &rule["defaultConfiguration"],
            "reportingConfiguration",
            &[],
            &["level"],
        );
    }
    let levels = ["none", "note", "warning", "error"];
    for result in run["results"].as_array().expect("results is an array") {
        properties(
            result,
            "result",
            &["message"],
            &[
                "ruleId",
                "ruleIndex",
                "level",
                "locations",
                "relatedLocations",
            ],
        );
        assert!(levels.contains(&result["level"].as_str().unwrap()));
        properties(&result["message"], "message", &["text"], &[]);
        let index = result["ruleIndex"].as_u64().expect("ruleIndex") as usize;
        assert_eq!(
            rules[index]["id"], result["ruleId"],
            "ruleIndex points at ruleId"
        );
        let mut locations: Vec<&Value> = Vec::new();
        if let Some(l) = result.get("locations") {
            locations.extend(l.as_array().expect("locations is an array"));
        }
        if let Some(l) = result.get("relatedLocations") {
            locations.extend(l.as_array().expect("relatedLocations is an array"));
        }
        for loc in locations {
            properties(loc, "location", &[], &["id", "physicalLocation", "message"]);
            if let Some(m) = loc.get("message") {
                properties(m, "message", &["text"], &[]);
            }
            let physical = &loc["physicalLocation"];
            properties(
                physical,
                "physicalLocation",
                &["artifactLocation", "region"],
                &[],
            );
            properties(
                &physical["artifactLocation"],
                "artifactLocation",
                &["uri"],
                &["uriBaseId"],
            );
            let region = &physical["region"];
            properties(
                region,
                "region",
                &["startLine"],
                &["startColumn", "endLine", "endColumn"],
            );
            let start = positive(&region["startLine"], "startLine");
            positive(&region["startColumn"], "startColumn");
            assert!(positive(&region["endLine"], "endLine") >= start);
            positive(&region["endColumn"], "endColumn");
        }
    }
}

#[test]
fn sarif_follows_the_2_1_0_schema_and_points_at_the_spec() {
    let dir = project(&[("cycle.kdl", CYCLE)]);
    let out = arbor_in(
        dir.path(),
        &["check", "--format", "sarif", "cycle.kdl"],
        &[],
    );
    assert_eq!(out.status.code(), Some(1));
    let doc: Value = serde_json::from_slice(&out.stdout).expect("one JSON document on stdout");
    assert_sarif_2_1_0(&doc);
    let run = &doc["runs"][0];
    let rule_ids: Vec<&str> = run["tool"]["driver"]["rules"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["id"].as_str().unwrap())
        .collect();
    assert_eq!(rule_ids, ["arbor::call_cycle", "arbor::unbounded_mailbox"]);
    let rules = &run["tool"]["driver"]["rules"];
    assert_eq!(rules[0]["defaultConfiguration"]["level"], "error");
    assert_eq!(
        rules[0]["shortDescription"]["text"],
        "a cycle of synchronous calls"
    );
    assert_eq!(rules[1]["defaultConfiguration"]["level"], "warning");

    let results = run["results"].as_array().unwrap();
    assert_eq!(results.len(), 2);
    let cycle = &results[0];
    assert_eq!(cycle["ruleId"], "arbor::call_cycle");
    assert_eq!(cycle["level"], "error");
    assert!(
        cycle["message"]["text"]
            .as_str()
            .unwrap()
            .starts_with("synchronous call cycle: Front → Back → Front\nhelp: ")
    );
    let primary = &cycle["locations"][0]["physicalLocation"];
    assert_eq!(primary["artifactLocation"]["uri"], "cycle.kdl");
    assert_eq!(primary["artifactLocation"]["uriBaseId"], "%SRCROOT%");
    let region = &primary["region"];
    assert_eq!(
        [
            &region["startLine"],
            &region["startColumn"],
            &region["endLine"],
            &region["endColumn"]
        ],
        [7, 5, 7, 15]
    );
    assert_eq!(
        cycle["locations"][0]["message"]["text"],
        "`Front` calls `Back`"
    );
    let related = &cycle["relatedLocations"][0];
    assert_eq!(related["id"], 0);
    assert_eq!(related["physicalLocation"]["region"]["startLine"], 14);
    assert_eq!(related["message"]["text"], "`Back` calls `Front`");
    assert_eq!(results[1]["level"], "warning");
    assert_eq!(results[1]["ruleIndex"], 1);
}

#[test]
fn sarif_of_a_clean_spec_has_no_results_and_an_absolute_path_is_a_file_uri() {
    let dir = project(&[("clean.kdl", CLEAN), ("warns.kdl", WARNS)]);
    let out = arbor_in(
        dir.path(),
        &["check", "--format", "sarif", "clean.kdl"],
        &[],
    );
    assert_eq!(out.status.code(), Some(0));
    let doc: Value = serde_json::from_slice(&out.stdout).expect("JSON");
    assert_sarif_2_1_0(&doc);
    assert_eq!(doc["runs"][0]["results"].as_array().map(Vec::len), Some(0));
    assert_eq!(
        doc["runs"][0]["tool"]["driver"]["rules"]
            .as_array()
            .map(Vec::len),
        Some(0)
    );

    let absolute = dir.path().join("warns.kdl");
    let out = arbor_in(
        dir.path(),
        &["check", "--format", "sarif", absolute.to_str().unwrap()],
        &[],
    );
    let doc: Value = serde_json::from_slice(&out.stdout).expect("JSON");
    assert_sarif_2_1_0(&doc);
    let artifact =
        &doc["runs"][0]["results"][0]["locations"][0]["physicalLocation"]["artifactLocation"];
    assert_eq!(artifact["uri"], format!("file://{}", absolute.display()));
    assert!(artifact.get("uriBaseId").is_none());
}

/// The documented exit codes: 0 no error, 1 errors (or warnings with --deny-warnings),
/// 2 usage — whatever the format.
#[test]
fn exit_codes_are_the_same_in_every_format() {
    let dir = project(&[
        ("clean.kdl", CLEAN),
        ("warns.kdl", WARNS),
        ("cycle.kdl", CYCLE),
    ]);
    for format in ["human", "json", "github", "sarif"] {
        let code = |args: &[&str]| {
            let mut all = vec!["check", "--format", format];
            all.extend_from_slice(args);
            arbor_in(dir.path(), &all, &[]).status.code()
        };
        assert_eq!(code(&["clean.kdl"]), Some(0), "{format}");
        assert_eq!(code(&["--deny-warnings", "clean.kdl"]), Some(0), "{format}");
        assert_eq!(code(&["warns.kdl"]), Some(0), "{format}");
        assert_eq!(code(&["--deny-warnings", "warns.kdl"]), Some(1), "{format}");
        assert_eq!(code(&["cycle.kdl"]), Some(1), "{format}");
        assert_eq!(code(&["missing.kdl"]), Some(1), "{format}");
        assert_eq!(code(&[]), Some(2), "{format}");
        assert_eq!(code(&["--no-such-flag", "clean.kdl"]), Some(2), "{format}");
    }
    let unknown = arbor_in(dir.path(), &["check", "--format", "xml", "clean.kdl"], &[]);
    assert_eq!(unknown.status.code(), Some(2));
}
