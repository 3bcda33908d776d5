//! [MS-NLMP] 3.4 session security.
