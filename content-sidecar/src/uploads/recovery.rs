//! Recovery at open: every session resumes where its record says, whatever a crash cut short.

use super::{pipeline::open_partial, sessions::finish_tree, UploadError, Uploads};
use crate::{
	hashing::hash_reader,
	index::{UploadId, UploadRecord},
};
use std::{
	collections::HashSet,
	fs::{self, File},
};

impl Uploads {
	/// Cuts partial files back to their recorded offsets, stores finished uploads whose storing a
	/// crash cut short, and removes files without a session.
	pub(super) fn recover(&self) -> Result<(), UploadError> {
		fs::create_dir_all(&self.dir)?;
		let sessions = self.index.uploads()?;
		let names: HashSet<String> = sessions.iter().map(|(id, _)| hex::encode(id)).collect();
		// Leftovers of a termination or expiry cut short.
		for entry in fs::read_dir(&self.dir)? {
			let entry = entry?;
			if !entry.file_name().to_str().is_some_and(|name| names.contains(name)) {
				fs::remove_file(entry.path())?;
			}
		}
		for (id, record) in sessions {
			// One broken session must not keep the sidecar down; it stays for a later start.
			if let Err(error) = self.recover_session(&id, record) {
				tracing::error!(upload = hex::encode(id), %error, "upload session not recovered");
			}
		}
		self.index.flush()?;
		Ok(())
	}

	fn recover_session(&self, id: &UploadId, mut record: UploadRecord) -> Result<(), UploadError> {
		let path = self.partial_path(id);
		match record.content_id {
			// Every byte had arrived; the crash came while storing the item.
			Some(_) if path.exists() => {
				let tree = finish_tree(hash_reader(File::open(&path)?)?)?;
				self.store_item(&record, &path, &tree)?;
			}
			Some(content_id) if self.store.contains(&content_id) => {
				self.record_item(&record, content_id)?
			}
			// Neither the bytes nor the item are left: nothing to resume.
			Some(_) => self.index.remove_upload(id)?,
			None => {
				let (_, kept) = open_partial(&path, record.offset)?;
				if kept < record.offset {
					tracing::warn!(
						upload = hex::encode(id),
						kept,
						recorded = record.offset,
						"partial upload lost bytes"
					);
					record.offset = kept;
					self.index.put_upload(id, &record)?;
				}
			}
		}
		Ok(())
	}
}
