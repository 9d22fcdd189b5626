//! # pop-sidecar
//!
//! The daemon beside every masternode: it takes uploads, keeps content on disk, answers the
//! chain's storage challenges and streams bytes to viewers. One module per concern:
//!
//! - [`hashing`]: the content commitment with native SHA-256.
//! - [`blob_store`]: finished content as immutable files named by id, written crash-safely.
//! - [`index`]: the metadata index (sled), rebuildable from the files.

#![deny(missing_docs)]

pub mod blob_store;
pub mod hashing;
pub mod index;
