//! Derive and attribute macros that describe Arbor actors and supervisors.
