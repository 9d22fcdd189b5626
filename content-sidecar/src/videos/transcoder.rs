//! The [`Transcoder`]: a queue of uploaded videos to make into renditions and posters, kept in
//! the index, and the workers that take from it.
//!
//! A job is recorded `Queued` before anything runs, and a job under way stays recorded so: if
//! the sidecar stops, its files are cleared at the next start and it runs again from the
//! beginning. A finished upload whose job was never recorded (a crash between the last byte
//! and the record) is found among the finished sessions at start.
//!
//! Transcoding costs this masternode CPU for anyone who uploads, so it is bounded: videos
//! longer than `--max-video-duration` are refused, at most [`MAX_QUEUED`] jobs wait, at most
//! [`MAX_QUEUED_PER_OWNER`] of one uploader, and renditions are never made into the disk
//! reserve. What is made counts as the uploader's unregistered uploads, collected like them
//! if never registered.

use super::VideoError;
use crate::{
	auth::Account,
	blob_store::{id_hex, BlobStore},
	config::Config,
	hashing::hash_reader,
	index::{
		self, DerivedItem, DerivedRendition, Ladder, MetadataIndex, TranscodeRecord, TranscodeState,
	},
	media,
	metrics::{Metrics, OutcomeLabels, VideoLabels},
	unix_time_ms,
};
use pop_primitives::commitment::ContentId;
use std::{
	collections::BTreeMap,
	fs::File,
	path::{Path, PathBuf},
	sync::{Arc, Mutex, PoisonError},
	time::{Duration, Instant},
};
use tokio::sync::Notify;

/// Most jobs waiting or under way.
pub const MAX_QUEUED: usize = 16;
/// Most jobs of one uploader waiting or under way.
pub const MAX_QUEUED_PER_OWNER: usize = 2;
/// The type of every rendition.
const RENDITION_MIME: &str = "video/mp4";
/// The type of posters.
const POSTER_MIME: &str = "image/jpeg";
/// Renditions and poster of a ladder take at most this many times the source's size, as
/// reserved before starting (the ladder's bit rates keep the whole well below it).
const OUTPUT_PER_SOURCE_BYTE: u64 = 2;
/// ffmpeg's output, under the data directory: on the store's file system, so finished files
/// are moved into the store rather than copied.
const WORK_DIR: &str = "transcode";

/// Where an upload's transcoding stands, as `GET /uploads/{id}` shows it.
#[derive(Clone, Debug, PartialEq)]
pub struct MediaStatus {
	/// `queued`, `transcoding`, `done` or `failed`.
	pub state: &'static str,
	/// From 0 to 1.
	pub progress: f64,
	/// Why it failed.
	pub error: Option<String>,
	/// What was made, once done.
	pub ladder: Option<Ladder>,
}

/// Transcodes uploaded videos (see the [module docs](self)).
pub struct Transcoder {
	tools: media::Tools,
	store: Arc<BlobStore>,
	index: Arc<dyn MetadataIndex>,
	metrics: Arc<Metrics>,
	work_dir: PathBuf,
	max_duration: Duration,
	disk_reserve: u64,
	workers: usize,
	/// Jobs under way and their progress.
	running: Mutex<BTreeMap<ContentId, f64>>,
	/// Woken when a job is queued.
	queued: Notify,
}

impl Transcoder {
	/// The transcoder of `config` (`--ffmpeg`, `--ffprobe`, `--transcoders`,
	/// `--max-video-duration`, `--disk-reserve`), clearing what a stopped job left under the
	/// data directory. Nothing runs until [`Transcoder::run`].
	pub fn new(
		config: &Config,
		store: Arc<BlobStore>,
		index: Arc<dyn MetadataIndex>,
		metrics: Arc<Metrics>,
	) -> Result<Self, VideoError> {
		let work_dir = config.data_dir.join(WORK_DIR);
		match std::fs::remove_dir_all(&work_dir) {
			Err(error) if error.kind() != std::io::ErrorKind::NotFound => return Err(error.into()),
			_ => {}
		}
		std::fs::create_dir_all(&work_dir)?;
		Ok(Self {
			tools: media::Tools {
				ffmpeg: config.ffmpeg.clone(),
				ffprobe: config.ffprobe.clone(),
				x264_preset_large: config.x264_preset_large.clone(),
				x264_preset_small: config.x264_preset_small.clone(),
			},
			store,
			index,
			metrics,
			work_dir,
			max_duration: config.max_video_duration,
			disk_reserve: config.disk_reserve,
			workers: config.transcoders,
			running: Mutex::default(),
			queued: Notify::new(),
		})
	}

	/// The ffmpeg and ffprobe it runs.
	pub fn tools(&self) -> &media::Tools {
		&self.tools
	}

	/// Queues the upload `content` of `owner`, of type `mime`, if it is a video and transcoding
	/// is on. A video already queued or transcoded is left as it is (the same bytes uploaded
	/// again). Past the queue's bounds the job is recorded failed, saying why.
	pub fn submit(&self, owner: Account, content: ContentId, mime: &str) -> Result<(), VideoError> {
		if self.workers == 0 || !mime.starts_with("video/") {
			return Ok(());
		}
		if self.index.transcode(&content)?.is_some() {
			return Ok(());
		}
		let queued: Vec<Account> = self
			.index
			.transcodes()?
			.into_iter()
			.filter(|(_, job)| job.state == TranscodeState::Queued)
			.map(|(_, job)| job.owner)
			.collect();
		let state = if queued.len() >= MAX_QUEUED {
			TranscodeState::Failed {
				reason: VideoError::Busy("the transcoder's queue is full").to_string(),
			}
		} else if queued.iter().filter(|queued| **queued == owner).count() >= MAX_QUEUED_PER_OWNER {
			TranscodeState::Failed {
				reason: VideoError::Busy("this account has as many videos transcoding as it may")
					.to_string(),
			}
		} else {
			TranscodeState::Queued
		};
		let record = TranscodeRecord { owner, queued_at_ms: unix_time_ms(), state };
		self.index.put_transcode(&content, &record)?;
		self.index.flush()?;
		if record.state == TranscodeState::Queued {
			self.metrics.transcodes_queued.inc();
			self.queued.notify_one();
		}
		Ok(())
	}

	/// Where the transcoding of `content` stands, if it is a video being or having been
	/// transcoded here.
	pub fn status(&self, content: &ContentId) -> Result<Option<MediaStatus>, VideoError> {
		let Some(record) = self.index.transcode(content)? else { return Ok(None) };
		let running = lock(&self.running).get(content).copied();
		let status = match record.state {
			TranscodeState::Queued => MediaStatus {
				state: if running.is_some() { "transcoding" } else { "queued" },
				progress: running.unwrap_or(0.0),
				error: None,
				ladder: None,
			},
			TranscodeState::Failed { reason } => {
				MediaStatus { state: "failed", progress: 0.0, error: Some(reason), ladder: None }
			}
			TranscodeState::Done(ladder) => {
				MediaStatus { state: "done", progress: 1.0, error: None, ladder: Some(ladder) }
			}
		};
		Ok(Some(status))
	}

	/// Runs the workers until the task is dropped, after queueing finished video uploads that
	/// have no job yet.
	pub async fn run(self: Arc<Self>) {
		if self.workers == 0 {
			return;
		}
		if let Err(error) = self.requeue_finished_uploads() {
			tracing::error!(%error, "finding video uploads left untranscoded failed");
		}
		let queued = self.index.transcodes().map_or(0, |jobs| {
			jobs.iter().filter(|(_, job)| job.state == TranscodeState::Queued).count()
		});
		self.metrics.transcodes_queued.set(queued as i64);
		// Futures of this task, not tasks of their own: dropping the task stops every worker
		// and its ffmpeg.
		futures_util::future::join_all((0..self.workers).map(|_| self.clone().work())).await;
	}

	/// Queues every finished upload session of a video that has no job: a crash came between
	/// its last byte and its job.
	fn requeue_finished_uploads(&self) -> Result<(), VideoError> {
		for (_, session) in self.index.uploads()? {
			if let Some(content) = session.content_id.filter(|id| self.store.contains(id)) {
				self.submit(session.owner, content, &session.mime)?;
			}
		}
		Ok(())
	}

	/// One worker: takes the oldest queued job nobody runs, runs it, and records how it ended.
	async fn work(self: Arc<Self>) {
		loop {
			let job = match self.claim() {
				Ok(job) => job,
				Err(error) => {
					tracing::error!(%error, "reading the transcoding queue failed");
					None
				}
			};
			let Some((content, record)) = job else {
				// Woken by a new job, or after a while in case the index failed.
				let _ = tokio::time::timeout(Duration::from_secs(30), self.queued.notified()).await;
				continue;
			};
			let labels = VideoLabels { video: format!("0x{}", id_hex(&content)) };
			let started = Instant::now();
			let state = match self.transcode(&content, record.owner).await {
				Ok(ladder) => {
					self.metrics
						.transcoded_media_seconds
						.inc_by(ladder.duration_ms as f64 / 1000.0);
					tracing::info!(
						video = %labels.video,
						renditions = ladder.renditions.len(),
						seconds = started.elapsed().as_secs_f64(),
						"video transcoded"
					);
					TranscodeState::Done(ladder)
				}
				Err(error) => {
					tracing::warn!(video = %labels.video, %error, "transcoding failed");
					TranscodeState::Failed { reason: error.to_string() }
				}
			};
			self.metrics.transcode_seconds.inc_by(started.elapsed().as_secs_f64());
			let outcome = if matches!(state, TranscodeState::Done(_)) { "done" } else { "failed" };
			self.metrics.transcodes.get_or_create(&OutcomeLabels { outcome }).inc();
			self.metrics.transcodes_queued.dec();
			self.metrics.transcode_progress.remove(&labels);
			let finished = TranscodeRecord { state, ..record };
			if let Err(error) =
				self.index.put_transcode(&content, &finished).and_then(|()| self.index.flush())
			{
				tracing::error!(video = %labels.video, %error, "recording a transcoding failed");
			}
			lock(&self.running).remove(&content);
		}
	}

	/// The oldest queued job nobody runs, now marked running.
	fn claim(&self) -> Result<Option<(ContentId, TranscodeRecord)>, VideoError> {
		let jobs = self.index.transcodes()?;
		let mut running = lock(&self.running);
		let next = jobs
			.into_iter()
			.filter(|(id, job)| job.state == TranscodeState::Queued && !running.contains_key(id))
			.min_by_key(|(_, job)| job.queued_at_ms);
		if let Some((id, _)) = &next {
			running.insert(*id, 0.0);
		}
		Ok(next)
	}

	/// Makes the stored video `content` into renditions and a poster, stored as uploads of
	/// `owner`.
	async fn transcode(&self, content: &ContentId, owner: Account) -> Result<Ladder, VideoError> {
		if !self.store.contains(content) {
			return Err(VideoError::SourceGone);
		}
		let source = self.store.path(content);
		let probe = media::probe(&self.tools, &source).await?;
		let max_secs = self.max_duration.as_secs();
		if probe.duration_ms / 1000 > max_secs {
			return Err(VideoError::TooLong { duration_secs: probe.duration_ms / 1000, max_secs });
		}
		let size = std::fs::metadata(&source)?.len();
		let needed = size.saturating_mul(OUTPUT_PER_SOURCE_BYTE);
		let free = self.store.free_space()?.saturating_sub(self.disk_reserve);
		if free < needed {
			return Err(VideoError::DiskFull { free, needed });
		}

		let dir = self.work_dir.join(id_hex(content));
		std::fs::create_dir_all(&dir)?;
		let labels = VideoLabels { video: format!("0x{}", id_hex(content)) };
		let progress = |done: f64| {
			self.metrics.transcode_progress.get_or_create(&labels).set(done);
			if let Some(progress) = lock(&self.running).get_mut(content) {
				*progress = done;
			}
		};
		let made = media::transcode(&self.tools, &source, &dir, &probe, progress).await;
		let ladder = match made {
			Ok(made) => self.adopt_ladder(made, &probe, owner).await,
			Err(error) => Err(error.into()),
		};
		// What is left (everything, after a failure) is of no use.
		let _ = std::fs::remove_dir_all(&dir);
		ladder
	}

	/// Stores what ffmpeg made as uploads of `owner`.
	async fn adopt_ladder(
		&self,
		made: media::Transcoded,
		probe: &media::Probe,
		owner: Account,
	) -> Result<Ladder, VideoError> {
		let mut renditions = Vec::with_capacity(made.renditions.len());
		for rendition in made.renditions {
			let item = self.adopt(&rendition.path, RENDITION_MIME, owner).await?;
			renditions.push(DerivedRendition {
				item,
				width: rendition.width,
				height: rendition.height,
				bandwidth: rendition.bandwidth,
				codecs: rendition.codecs,
			});
		}
		let poster = self.adopt(&made.poster, POSTER_MIME, owner).await?;
		Ok(Ladder {
			duration_ms: made.duration_ms,
			width: probe.width,
			height: probe.height,
			renditions,
			poster: Some(poster),
		})
	}

	/// Hashes the finished file at `path` into its id, moves it into the store and records it
	/// as `owner`'s upload of type `mime`.
	async fn adopt(
		&self,
		path: &Path,
		mime: &str,
		owner: Account,
	) -> Result<DerivedItem, VideoError> {
		let (store, index, path, mime) =
			(self.store.clone(), self.index.clone(), path.to_owned(), mime.to_owned());
		tokio::task::spawn_blocking(move || {
			let tree = hash_reader(File::open(&path)?)?
				.finish()
				.map_err(|_| crate::blob_store::StoreError::Empty)?;
			let size = tree.size;
			let content = store.adopt(&path, &tree, None)?;
			index::record_uploaded(&*index, &content, owner, size, &mime, unix_time_ms())?;
			Ok(DerivedItem { content, size, mime })
		})
		.await?
	}
}

fn lock<T>(mutex: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
	mutex.lock().unwrap_or_else(PoisonError::into_inner)
}

#[cfg(test)]
mod tests {
	use super::*;
	use crate::testing::{dev_account, id_of, Sidecar};

	fn state_of(sidecar: &Sidecar, id: &ContentId) -> Option<TranscodeState> {
		sidecar.state.index.transcode(id).unwrap().map(|record| record.state)
	}

	#[test]
	fn only_videos_are_queued_and_each_once() {
		let sidecar = Sidecar::new();
		let transcoder = &sidecar.state.transcoder;
		let alice = dev_account("Alice");
		let (video, text) = (id_of(b"video"), id_of(b"text"));
		transcoder.submit(alice, text, "text/plain").unwrap();
		assert_eq!(state_of(&sidecar, &text), None);
		transcoder.submit(alice, video, "video/webm").unwrap();
		assert_eq!(state_of(&sidecar, &video), Some(TranscodeState::Queued));
		let first = sidecar.state.index.transcode(&video).unwrap();
		transcoder.submit(alice, video, "video/webm").unwrap();
		assert_eq!(sidecar.state.index.transcode(&video).unwrap(), first);
		assert_eq!(transcoder.status(&video).unwrap().unwrap().state, "queued");
		assert_eq!(transcoder.status(&text).unwrap(), None);
	}

	#[test]
	fn the_queue_is_bounded_in_all_and_per_account() {
		let sidecar = Sidecar::new();
		let transcoder = &sidecar.state.transcoder;
		let alice = dev_account("Alice");
		let alices: Vec<_> = (0..3u8).map(|i| id_of(&[b'a', i])).collect();
		for id in &alices {
			transcoder.submit(alice, *id, "video/mp4").unwrap();
		}
		assert_eq!(state_of(&sidecar, &alices[1]), Some(TranscodeState::Queued));
		let Some(TranscodeState::Failed { reason }) = state_of(&sidecar, &alices[2]) else {
			panic!("a third video of one account is refused");
		};
		assert!(reason.contains("as many videos transcoding"), "{reason}");

		// Fresh keys fill the queue; past it, everyone is refused.
		let ids: Vec<_> = (0..MAX_QUEUED as u8).map(|i| (id_of(&[b'k', i]), [i; 32])).collect();
		for (id, owner) in &ids {
			transcoder.submit(*owner, *id, "video/mp4").unwrap();
		}
		let queued = sidecar
			.state
			.index
			.transcodes()
			.unwrap()
			.into_iter()
			.filter(|(_, job)| job.state == TranscodeState::Queued)
			.count();
		assert_eq!(queued, MAX_QUEUED);
		let Some(TranscodeState::Failed { reason }) = state_of(&sidecar, &ids.last().unwrap().0)
		else {
			panic!("past the bound, a video is refused");
		};
		assert!(reason.contains("queue is full"), "{reason}");
		assert_eq!(transcoder.status(&alices[2]).unwrap().unwrap().state, "failed");
	}

	#[test]
	fn transcoding_off_queues_nothing() {
		let sidecar = Sidecar::with(|config| config.transcoders = 0);
		let id = id_of(b"video");
		sidecar.state.transcoder.submit(dev_account("Alice"), id, "video/mp4").unwrap();
		assert_eq!(state_of(&sidecar, &id), None);
	}
}
