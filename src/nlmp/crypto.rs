//! [MS-NLMP] 3.3 (responses), 3.4.5 (key derivation) and 6 (primitives).
//! (Being written; see the session's work plan.)
