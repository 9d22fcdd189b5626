//! The tus routes driven through the app, by topic; what the topics share is here.

mod bounds;
mod pipeline;
mod protocol;
mod receipts;
mod recovery;
mod sessions;

use super::protocol::{OFFSET_OCTET_STREAM, TUS_VERSION};
use crate::{
	auth::Scope,
	testing::{body_of, header, Sidecar},
};
use axum::{
	body::Body,
	http::{request::Builder, Request, StatusCode},
	response::Response,
};

const ALICE: &str = "Alice";
const BOB: &str = "Bob";

fn tus(method: &str, uri: &str) -> Builder {
	Request::builder().method(method).uri(uri).header("tus-resumable", TUS_VERSION)
}

async fn create_upload(sidecar: &Sidecar, who: &str, length: u64, metadata: &str) -> Response {
	let request = tus("POST", "/uploads")
		.header("authorization", sidecar.authorization(who, Scope::Upload))
		.header("upload-length", length)
		.header("upload-metadata", metadata)
		.body(Body::empty())
		.unwrap();
	sidecar.send(request).await
}

/// Creates an upload and returns its location.
async fn start(sidecar: &Sidecar, who: &str, length: u64) -> String {
	let response = create_upload(sidecar, who, length, "filetype dmlkZW8vbXA0").await;
	assert_eq!(response.status(), StatusCode::CREATED);
	header(&response, "location").unwrap().to_owned()
}

fn patch_request(sidecar: &Sidecar, who: &str, location: &str, offset: u64) -> Builder {
	tus("PATCH", location)
		.header("authorization", sidecar.authorization(who, Scope::Upload))
		.header("content-type", OFFSET_OCTET_STREAM)
		.header("upload-offset", offset)
}

async fn patch(
	sidecar: &Sidecar,
	who: &str,
	location: &str,
	offset: u64,
	bytes: &[u8],
) -> Response {
	let request = patch_request(sidecar, who, location, offset)
		.header("content-length", bytes.len())
		.body(Body::from(bytes.to_vec()))
		.unwrap();
	sidecar.send(request).await
}

async fn head(sidecar: &Sidecar, who: &str, location: &str) -> Response {
	let request = tus("HEAD", location)
		.header("authorization", sidecar.authorization(who, Scope::Upload))
		.body(Body::empty())
		.unwrap();
	sidecar.send(request).await
}

async fn offset_of(sidecar: &Sidecar, location: &str) -> u64 {
	let response = head(sidecar, ALICE, location).await;
	assert_eq!(response.status(), StatusCode::OK);
	header(&response, "upload-offset").unwrap().parse().unwrap()
}

fn content_id_header(response: &Response) -> Option<String> {
	header(response, "pop-content-id").map(str::to_owned)
}

async fn error_of(response: Response) -> String {
	let body = body_of(response).await;
	serde_json::from_slice::<serde_json::Value>(&body).unwrap()["error"]
		.as_str()
		.unwrap()
		.to_owned()
}

/// The messages of a channel as a stream, for a body sent piece by piece.
fn tokio_stream_of<T>(
	mut receiver: tokio::sync::mpsc::Receiver<T>,
) -> impl futures_util::Stream<Item = T> {
	futures_util::stream::poll_fn(move |context| receiver.poll_recv(context))
}
