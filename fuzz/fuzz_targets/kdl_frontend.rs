//! Fuzzes the spec front-end and the analysis: any bytes, read as a spec file, must give
//! either a spec or diagnostics whose labels lie inside the file, and rendering them
//! (human and JSON) must not panic. A panic or an abort (stack overflow) is a finding.
#![no_main]

use arbor_codegen::diagnostics::{self, RenderOptions};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let (diagnostics, sources) = match arbor_codegen::load_bytes(&[("fuzz.kdl", data)]) {
        Ok((spec, sources)) => (arbor_codegen::check(&spec), sources),
        Err(failure) => (failure.diagnostics, failure.sources),
    };
    for d in &diagnostics {
        for label in &d.labels {
            let file = sources.get(label.span.source).expect("a label in a known file");
            assert!(
                label.span.end() <= file.text().len(),
                "{}: label {}..{} outside the file",
                d.code,
                label.span.start,
                label.span.end()
            );
        }
    }
    let _ = diagnostics::render_human(&diagnostics, &sources, &RenderOptions::default());
    let _ = diagnostics::render_json(&diagnostics, &sources);
});
