//! [`VideoError`]: what can go wrong in transcoding and serving videos.

use crate::{blob_store::StoreError, index::IndexError, ledger::LedgerError, media::MediaError};

/// Why a transcoding, a playlist or a rendition check failed.
#[derive(Debug, thiserror::Error)]
pub enum VideoError {
	/// ffmpeg or ffprobe failed, or the file is not what it should be.
	#[error(transparent)]
	Media(#[from] MediaError),
	/// The store failed.
	#[error(transparent)]
	Store(#[from] StoreError),
	/// The index failed.
	#[error(transparent)]
	Index(#[from] IndexError),
	/// The chain could not be asked.
	#[error(transparent)]
	Ledger(#[from] LedgerError),
	/// Reading or writing a file failed.
	#[error("video file: {0}")]
	Io(#[from] std::io::Error),
	/// A blocking task failed.
	#[error("a blocking task failed: {0}")]
	Task(#[from] tokio::task::JoinError),
	/// The video is longer than `--max-video-duration`.
	#[error(
		"the video lasts {duration_secs} s, more than the {max_secs} s this sidecar transcodes"
	)]
	TooLong {
		/// Its duration.
		duration_secs: u64,
		/// The bound.
		max_secs: u64,
	},
	/// Its renditions would eat into the disk reserve.
	#[error("not enough free disk space to transcode: {free} bytes free, {needed} needed")]
	DiskFull {
		/// Bytes free past the reserve.
		free: u64,
		/// Bytes the renditions may take.
		needed: u64,
	},
	/// The source is no longer stored (deleted or collected).
	#[error("the uploaded video is no longer stored here")]
	SourceGone,
	/// Too many transcodings are waiting.
	#[error("{0}")]
	Busy(&'static str),
}
