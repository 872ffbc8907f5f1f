//! Arbor's spec language, analysis and code generator.
