//! Support shared by the integration tests.
pub mod droop;
pub mod env;
pub mod mail;
