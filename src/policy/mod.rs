//! Policy: the configuration, profiles, approvals and authors a check is
//! judged with, and `decide`, the one place that judges it.

pub mod approvals;
pub mod authors;
pub mod config;
pub mod decide;
pub mod profiles;
pub mod thresholds;

pub use decide::*;
