//! The video routes and checks on a sidecar in a temp dir, with ffmpeg's real output: an
//! upload transcoded through the whole path, playlists of what is held, and fetched renditions
//! checked against the chain's record.

use super::checks::{check_fetched, Verdict};
use crate::{
	auth::Scope,
	blob_store::id_hex,
	index::ItemState,
	ledger::{RenditionSpec, Video},
	media::{
		samples::{bounded, ladder, sample, source_720p},
		FragmentIndex, RenditionFile,
	},
	testing::{body_of, dev_account, header, Sidecar},
};
use axum::{
	body::Body,
	http::{Request, StatusCode},
};
use pop_primitives::commitment::ContentId;
use serde_json::Value;
use std::{path::PathBuf, time::Duration};
use tokio::sync::OnceCell;

/// `video/mp4` in base64, as tus metadata carries it.
const VIDEO_MP4: &str = "dmlkZW8vbXA0";

/// Uploads `bytes` as a video through tus as Alice; returns the upload's location.
async fn upload_video(sidecar: &Sidecar, bytes: &[u8]) -> String {
	let create = Request::post("/uploads")
		.header("tus-resumable", "1.0.0")
		.header("authorization", sidecar.authorization("Alice", Scope::Upload))
		.header("upload-length", bytes.len())
		.header("upload-metadata", format!("filetype {VIDEO_MP4}"))
		.body(Body::empty())
		.unwrap();
	let response = sidecar.send(create).await;
	assert_eq!(response.status(), StatusCode::CREATED);
	let location = header(&response, "location").unwrap().to_owned();
	let patch = Request::patch(&location)
		.header("tus-resumable", "1.0.0")
		.header("authorization", sidecar.authorization("Alice", Scope::Upload))
		.header("content-type", "application/offset+octet-stream")
		.header("upload-offset", 0)
		.body(Body::from(bytes.to_vec()))
		.unwrap();
	assert_eq!(sidecar.send(patch).await.status(), StatusCode::NO_CONTENT);
	location
}

/// `GET` of an upload's JSON as `who`.
async fn status(sidecar: &Sidecar, location: &str, who: &str) -> (StatusCode, Value) {
	let request = Request::get(location)
		.header("authorization", sidecar.authorization(who, Scope::Upload))
		.body(Body::empty())
		.unwrap();
	let response = sidecar.send(request).await;
	let status = response.status();
	(status, serde_json::from_slice(&body_of(response).await).unwrap_or(Value::Null))
}

#[tokio::test]
async fn an_uploaded_video_is_transcoded_and_what_it_made_is_listed_with_receipts() {
	bounded(async {
		let sidecar = Sidecar::new();
		let worker = tokio::spawn(sidecar.state.transcoder.clone().run());
		let source = std::fs::read(source_720p().await).unwrap();
		let location = upload_video(&sidecar, &source).await;
		let mut seen = Vec::new();
		let media = loop {
			let (code, body) = status(&sidecar, &location, "Alice").await;
			assert_eq!(code, StatusCode::OK);
			let media = body["media"].clone();
			seen.push(media["state"].as_str().unwrap().to_owned());
			if media["state"] == "done" || media["state"] == "failed" {
				assert_eq!(body["offset"], source.len());
				assert!(body["receipt"]["signature"].as_str().unwrap().starts_with("0x"));
				break media;
			}
			tokio::time::sleep(Duration::from_millis(200)).await;
		};
		assert_eq!(media["state"], "done", "{media}");
		assert_eq!(media["progress"], 1.0);
		assert_eq!((media["width"].as_u64(), media["height"].as_u64()), (Some(1280), Some(720)));
		let heights: Vec<_> = media["renditions"]
			.as_array()
			.unwrap()
			.iter()
			.map(|r| r["height"].as_u64().unwrap())
			.collect();
		assert_eq!(heights, [720, 480, 360, 240]);
		let alice = dev_account("Alice");
		for part in media["renditions"].as_array().unwrap().iter().chain([&media["poster"]]) {
			assert!(part["receipt"]["signature"].as_str().unwrap().starts_with("0x"), "{part}");
			let id = crate::blob_store::parse_id(&part["content"].as_str().unwrap()[2..]).unwrap();
			let item = sidecar.state.index.item(&id).unwrap().unwrap();
			assert_eq!(item.state, ItemState::Uploaded { owner: alice });
			assert_eq!(item.mime, part["mime"].as_str().unwrap());
			assert_eq!(item.size, part["size"].as_u64().unwrap());
		}
		assert_eq!(media["poster"]["mime"], "image/jpeg");
		// Nobody else sees it.
		assert_eq!(status(&sidecar, &location, "Bob").await.0, StatusCode::FORBIDDEN);
		let metrics = sidecar.send(Request::get("/metrics").body(Body::empty()).unwrap()).await;
		let metrics = String::from_utf8(body_of(metrics).await.to_vec()).unwrap();
		assert!(metrics.contains("pop_sidecar_transcodes_total{outcome=\"done\"} 1"), "{metrics}");
		assert!(metrics.contains("pop_sidecar_transcodes_queued 0"), "{metrics}");
		worker.abort();
	})
	.await
}

#[tokio::test]
async fn a_job_interrupted_by_a_stop_runs_again_after_the_restart() {
	bounded(async {
		let sidecar = Sidecar::new();
		let worker = tokio::spawn(sidecar.state.transcoder.clone().run());
		let source = std::fs::read(source_720p().await).unwrap();
		let location = upload_video(&sidecar, &source).await;
		// Stopped part way (the worker's ffmpeg is killed with its task).
		loop {
			let (_, body) = status(&sidecar, &location, "Alice").await;
			if body["media"]["state"] == "transcoding" {
				break;
			}
			tokio::time::sleep(Duration::from_millis(50)).await;
		}
		worker.abort();
		let _ = worker.await;
		let sidecar = sidecar.restart();
		let (_, body) = status(&sidecar, &location, "Alice").await;
		assert_eq!(body["media"]["state"], "queued");
		let worker = tokio::spawn(sidecar.state.transcoder.clone().run());
		loop {
			let (_, body) = status(&sidecar, &location, "Alice").await;
			if body["media"]["state"] == "done" {
				break;
			}
			tokio::time::sleep(Duration::from_millis(200)).await;
		}
		worker.abort();
	})
	.await
}

/// Stores the rendition files of the shared ladder as registered items and describes them as
/// a video of the stored source; returns the video's id and its record.
fn describe_ladder(
	sidecar: &Sidecar,
	renditions: &[RenditionFile],
	source: &PathBuf,
) -> (ContentId, Video) {
	let video = sidecar.store_registered(&std::fs::read(source).unwrap(), 0, "video/mp4");
	let specs = renditions
		.iter()
		.map(|rendition| RenditionSpec {
			content: sidecar.store_registered(
				&std::fs::read(&rendition.path).unwrap(),
				0,
				"video/mp4",
			),
			width: rendition.width as u16,
			height: rendition.height as u16,
			bandwidth: rendition.bandwidth,
			codecs: rendition.codecs.clone(),
		})
		.collect();
	let record = Video { duration_ms: 5_000, poster: None, renditions: specs };
	sidecar.ledger.describe(video, record.clone());
	(video, record)
}

async fn get(sidecar: &Sidecar, uri: &str) -> (StatusCode, String) {
	let response = sidecar.send(Request::get(uri).body(Body::empty()).unwrap()).await;
	let status = response.status();
	(status, String::from_utf8(body_of(response).await.to_vec()).unwrap())
}

#[tokio::test]
async fn playlists_list_the_renditions_held_and_their_segments_cover_each_file() {
	bounded(async {
		let ladder = ladder().await;
		let sidecar = Sidecar::new();
		let (video, record) =
			describe_ladder(&sidecar, &ladder.transcoded.renditions, &ladder.source);
		let video_hex = format!("0x{}", id_hex(&video));

		let (code, master) = get(&sidecar, &format!("/videos/{video_hex}/master.m3u8")).await;
		assert_eq!(code, StatusCode::OK, "{master}");
		assert!(master.starts_with("#EXTM3U"));
		for rendition in &record.renditions {
			assert!(
				master.contains(&format!("RESOLUTION={}x{}", rendition.width, rendition.height))
			);
			assert!(master.contains(&format!("0x{}.m3u8", id_hex(&rendition.content))));
		}

		for (rendition, file) in record.renditions.iter().zip(&ladder.transcoded.renditions) {
			let uri = format!("/videos/{video_hex}/0x{}.m3u8", id_hex(&rendition.content));
			let (code, playlist) = get(&sidecar, &uri).await;
			assert_eq!(code, StatusCode::OK);
			// The byte ranges are the file's fragments, every byte in exactly one.
			let size = std::fs::metadata(&file.path).unwrap().len();
			let index =
				FragmentIndex::read(std::fs::File::open(&file.path).unwrap(), size).unwrap();
			let ranges: Vec<(u64, u64)> = playlist
				.lines()
				.filter_map(|line| {
					let range = line.strip_prefix("#EXT-X-BYTERANGE:").or_else(|| {
						line.split("BYTERANGE=\"").nth(1).map(|r| r.trim_end_matches('"'))
					})?;
					let (length, offset) = range.split_once('@')?;
					Some((offset.parse().unwrap(), length.parse().unwrap()))
				})
				.collect();
			assert_eq!(ranges.len(), index.segments.len() + 1, "{playlist}");
			let mut next = 0;
			for (offset, length) in ranges {
				assert_eq!(offset, next);
				next = offset + length;
			}
			assert_eq!(next, size);
			let uri = format!("/content/0x{}", id_hex(&rendition.content));
			assert!(playlist.contains(&uri));
		}

		// Withdrawn here: no longer listed, and when none is held, nothing is.
		let first = record.renditions[0].content;
		let mut item = sidecar.state.index.item(&first).unwrap().unwrap();
		item.state = ItemState::Withdrawn { at_ms: 0, removed: false };
		sidecar.state.index.put_item(&first, &item).unwrap();
		let (_, master) = get(&sidecar, &format!("/videos/{video_hex}/master.m3u8")).await;
		assert!(!master.contains(&id_hex(&first)));
		let uri = format!("/videos/{video_hex}/0x{}.m3u8", id_hex(&first));
		assert_eq!(get(&sidecar, &uri).await.0, StatusCode::NOT_FOUND);
	})
	.await
}

#[tokio::test]
async fn playlist_requests_that_name_nothing_are_refused() {
	let sidecar = Sidecar::new();
	let unknown = format!("0x{}", "ab".repeat(32));
	let cases = [
		(format!("/videos/{unknown}/master.m3u8"), StatusCode::NOT_FOUND),
		("/videos/nope/master.m3u8".to_owned(), StatusCode::BAD_REQUEST),
		(format!("/videos/{unknown}/master.txt"), StatusCode::NOT_FOUND),
	];
	for (uri, expected) in cases {
		assert_eq!(get(&sidecar, &uri).await.0, expected, "{uri}");
	}
	// A described video with nothing held here, a rendition id it does not list, and the chain
	// away.
	let video = sidecar.store_registered(b"a source", 0, "video/mp4");
	let spec = RenditionSpec {
		content: ContentId([7; 32]),
		width: 640,
		height: 360,
		bandwidth: 800_000,
		codecs: "avc1.64001e,mp4a.40.2".into(),
	};
	sidecar
		.ledger
		.describe(video, Video { duration_ms: 1000, poster: None, renditions: vec![spec] });
	let video = format!("0x{}", id_hex(&video));
	let (code, text) = get(&sidecar, &format!("/videos/{video}/master.m3u8")).await;
	assert_eq!(code, StatusCode::NOT_FOUND);
	assert!(text.contains("no rendition"), "{text}");
	let other = format!("0x{}", "cd".repeat(32));
	assert_eq!(
		get(&sidecar, &format!("/videos/{video}/{other}.m3u8")).await.0,
		StatusCode::NOT_FOUND
	);
	// The chain away: a video whose record was read in the last seconds is answered from it,
	// another cannot be.
	sidecar.ledger.set_reachable(false);
	assert_eq!(
		get(&sidecar, &format!("/videos/{video}/master.m3u8")).await.0,
		StatusCode::NOT_FOUND
	);
	assert_eq!(
		get(&sidecar, &format!("/videos/{other}/master.m3u8")).await.0,
		StatusCode::SERVICE_UNAVAILABLE
	);
}

#[tokio::test]
async fn a_fetched_rendition_is_checked_against_the_chain_record_and_its_source() {
	bounded(async {
		let ladder = ladder().await;
		let sidecar = Sidecar::new();
		let (_, record) = describe_ladder(&sidecar, &ladder.transcoded.renditions, &ladder.source);
		for rendition in &record.renditions {
			assert_eq!(
				check_fetched(&sidecar.state, &rendition.content).await.unwrap(),
				Verdict::Accepted
			);
		}
		// Not a rendition at all: unchecked.
		let plain = sidecar.store_registered(b"plain bytes", 0, "text/plain");
		assert_eq!(check_fetched(&sidecar.state, &plain).await.unwrap(), Verdict::Accepted);

		// Declared taller than it is.
		let (video, mut lying) =
			describe_ladder(&sidecar, &ladder.transcoded.renditions[3..], &ladder.source);
		lying.renditions[0].height = 480;
		sidecar.ledger.describe(video, lying.clone());
		let Verdict::Refused(reason) =
			check_fetched(&sidecar.state, &lying.renditions[0].content).await.unwrap()
		else {
			panic!("a rendition declared taller than it is passed");
		};
		assert!(reason.contains("declared"), "{reason}");

		// Another picture of the right size, length and layout, checked where the source is held.
		static BARS: OnceCell<PathBuf> = OnceCell::const_new();
		#[rustfmt::skip]
		let args = [
			"-f", "lavfi", "-i", "smptebars=size=426x240:rate=30",
			"-f", "lavfi", "-i", "sine=frequency=440:sample_rate=48000", "-t", "5",
			"-c:v", "libx264", "-preset", "veryfast", "-pix_fmt", "yuv420p", "-c:a", "aac",
			"-force_key_frames", "expr:gte(t,n_forced*2)",
			"-movflags", "+frag_keyframe+empty_moov+default_base_moof",
		];
		let bars = sample(&BARS, "videos-bars-240p.mp4", &args).await;
		let bars_id = sidecar.store_registered(&std::fs::read(&bars).unwrap(), 0, "video/mp4");
		let honest = &ladder.transcoded.renditions[3];
		let spec = RenditionSpec {
			content: bars_id,
			width: honest.width as u16,
			height: honest.height as u16,
			bandwidth: honest.bandwidth,
			codecs: FragmentIndex::read(
				std::fs::File::open(&bars).unwrap(),
				std::fs::metadata(&bars).unwrap().len(),
			)
			.unwrap()
			.codecs(),
		};
		sidecar
			.ledger
			.describe(video, Video { duration_ms: 5_000, poster: None, renditions: vec![spec] });
		let Verdict::Refused(reason) = check_fetched(&sidecar.state, &bars_id).await.unwrap()
		else {
			panic!("colour bars passed as a rendition of the source");
		};
		assert!(reason.contains("PSNR") || reason.contains("dB"), "{reason}");
	})
	.await
}

#[tokio::test]
async fn videos_too_long_or_too_large_for_the_disk_fail_saying_why() {
	bounded(async {
		let source = std::fs::read(source_720p().await).unwrap();
		let bounds: [(fn(&mut crate::config::Config), &str); 2] = [
			(|config| config.max_video_duration = Duration::from_secs(2), "more than the 2 s"),
			(|config| config.disk_reserve = u64::MAX / 2, "not enough free disk space"),
		];
		for (bound, says) in bounds {
			let sidecar = Sidecar::with(bound);
			let worker = tokio::spawn(sidecar.state.transcoder.clone().run());
			// The reserve refuses the upload itself too: store the source as a finished upload.
			let mut writer = sidecar.state.store.writer().unwrap();
			writer.write(source.clone().into()).unwrap();
			let id = writer.commit(None).unwrap();
			sidecar.state.transcoder.submit(dev_account("Alice"), id, "video/mp4").unwrap();
			let status = loop {
				let status = sidecar.state.transcoder.status(&id).unwrap().unwrap();
				if status.state == "failed" || status.state == "done" {
					break status;
				}
				tokio::time::sleep(Duration::from_millis(100)).await;
			};
			assert_eq!(status.state, "failed");
			assert!(status.error.as_ref().unwrap().contains(says), "{status:?}");
			// Nothing made was kept.
			assert_eq!(sidecar.state.store.usage().items, 1);
			worker.abort();
		}
	})
	.await
}
