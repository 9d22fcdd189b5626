//! The type an item is served as. Anyone may register content under any type, and a page of
//! this origin could then run script (`text/html`, `image/svg+xml`, XML with XSLT, JavaScript)
//! against whoever opens its URL. So only types on an allow-list of passive ones are served
//! inline as registered; anything else is served as bytes to save, never to render.

use axum::http::HeaderValue;
use mime::Mime;

/// The type of bytes nobody vetted, which browsers never render.
const SAFE: &str = "application/octet-stream";

/// How an item is served.
#[derive(Debug, PartialEq, Eq)]
pub(super) struct Presentation {
	/// Its `Content-Type`.
	pub content_type: HeaderValue,
	/// Whether it is sent with `Content-Disposition: attachment`.
	pub attachment: bool,
}

/// How an item registered as `mime` is served: as registered if that is a passive type,
/// otherwise as an [`SAFE`] attachment.
pub(super) fn presentation(mime: &str) -> Presentation {
	let inline = mime
		.parse::<Mime>()
		.ok()
		.filter(is_passive)
		.and_then(|passive| HeaderValue::from_str(passive.as_ref()).ok());
	match inline {
		Some(content_type) => Presentation { content_type, attachment: false },
		None => Presentation { content_type: HeaderValue::from_static(SAFE), attachment: true },
	}
}

/// Whether browsers only ever play, show or print `mime`: media, raster images, plain text and
/// bytes. The parser has lowercased type and subtype; a `+suffix` (`image/svg+xml`) is never
/// passive.
fn is_passive(mime: &Mime) -> bool {
	if mime.suffix().is_some() {
		return false;
	}
	match (mime.type_().as_str(), mime.subtype().as_str()) {
		("video" | "audio", _) => true,
		("image", subtype) => matches!(subtype, "png" | "jpeg" | "gif" | "webp" | "avif"),
		("text", "plain") | ("application", "octet-stream") => true,
		_ => false,
	}
}

#[cfg(test)]
mod tests {
	use super::*;

	#[test]
	fn passive_types_are_served_as_registered() {
		for mime in [
			"video/mp4",
			"video/webm; codecs=\"vp9\"",
			"audio/ogg",
			"image/png",
			"image/jpeg",
			"image/avif",
			"text/plain; charset=utf-8",
			"application/octet-stream",
			"VIDEO/MP4",
		] {
			let served = presentation(mime);
			assert!(!served.attachment, "{mime}");
			assert_eq!(served.content_type.to_str().unwrap().to_lowercase(), mime.to_lowercase());
		}
	}

	#[test]
	fn active_unknown_and_malformed_types_are_served_as_attachments_of_bytes() {
		for mime in [
			"text/html",
			"TEXT/HTML; charset=utf-8",
			"application/xhtml+xml",
			"image/svg+xml",
			"text/javascript",
			"application/javascript",
			"text/xml",
			"application/xml",
			"application/pdf",
			"text/css",
			"multipart/x-mixed-replace; boundary=x",
			"video/x+html",
			"image/x-icon",
			"",
			"html",
			"text/html\n",
			"\u{fffd}",
		] {
			let served = presentation(mime);
			assert!(served.attachment, "{mime:?}");
			assert_eq!(served.content_type, SAFE, "{mime:?}");
		}
	}
}
