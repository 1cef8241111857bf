//! Lists and sharing (issue 15; API-2.md section 1). Built in steps: the values and the
//! store come first, the service, routes and pages next (docs/decisions.md, "Lists and
//! sharing").

mod members;
pub mod model;
pub mod service;

pub use service::{ListChange, Lists};
