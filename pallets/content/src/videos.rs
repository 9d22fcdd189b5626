//! Videos: the renditions and poster made from a source item, described by its creator so
//! that any holder can serve the video's adaptive streams.

use crate::{
	Config, ContentInfo, Contents, Error, Event, Pallet, VideoInfo, VideoOf, Videos, WeightInfo,
};
use alloc::{collections::BTreeSet, vec::Vec};
use frame_support::{ensure, traits::Get, weights::Weight};
use pop_primitives::commitment::ContentId;
use sp_runtime::{traits::Zero, DispatchError, DispatchResult};

/// The MIME type of every rendition: fragmented MP4.
const RENDITION_MIME: &[u8] = b"video/mp4";

impl<T: Config> Pallet<T> {
	/// Records `video` of `owner` with its parts, after checking that `owner` registered them
	/// all, that none is part of a video yet, and that their types and prices fit.
	pub(crate) fn do_describe_video(
		owner: T::AccountId,
		video: ContentId,
		info: VideoInfo<T>,
	) -> DispatchResult {
		let source = Self::owned(&owner, &video)?;
		ensure!(!Videos::<T>::contains_key(video), Error::<T>::AlreadyDescribed);
		ensure!(!VideoOf::<T>::contains_key(video), Error::<T>::PartOfVideo);
		ensure!(!info.renditions.is_empty(), Error::<T>::NoRenditions);
		let mut seen = BTreeSet::from([video]);
		for part in info.parts() {
			ensure!(seen.insert(part), Error::<T>::DuplicatePart);
		}
		for rendition in &info.renditions {
			let item = Self::unattached_part(&owner, &rendition.content)?;
			ensure!(
				item.mime.as_slice() == RENDITION_MIME
					&& !rendition.codecs.is_empty()
					&& rendition.width > 0
					&& rendition.height > 0
					&& rendition.bandwidth > 0,
				Error::<T>::BadRendition
			);
			ensure!(item.price == source.price, Error::<T>::PriceMismatch);
		}
		if let Some(poster) = &info.poster {
			let item = Self::unattached_part(&owner, poster)?;
			ensure!(item.mime.starts_with(b"image/"), Error::<T>::BadPoster);
			ensure!(item.price.is_zero(), Error::<T>::PricedPoster);
		}
		for part in info.parts() {
			VideoOf::<T>::insert(part, video);
		}
		let renditions = info.renditions.iter().map(|rendition| rendition.content).collect();
		let poster = info.poster;
		Videos::<T>::insert(video, info);
		Self::deposit_event(Event::VideoDescribed { video, owner, renditions, poster });
		Ok(())
	}

	/// Removes `who`'s item `content`, and with a video its parts: releases their holders and
	/// returns their deposits. Returns the weight used.
	pub(crate) fn do_remove_content(
		who: T::AccountId,
		content: ContentId,
	) -> Result<Weight, DispatchError> {
		let info = Self::owned(&who, &content)?;
		ensure!(!VideoOf::<T>::contains_key(content), Error::<T>::PartOfVideo);
		let parts: Vec<ContentId> =
			Videos::<T>::take(content).map(|video| video.parts().collect()).unwrap_or_default();
		let mut weight = Self::remove_weight(0, 0);
		for part in parts {
			VideoOf::<T>::remove(part);
			if let Some(part_info) = Contents::<T>::get(part) {
				weight.saturating_accrue(T::WeightInfo::remove_content(
					part_info.replicas.len() as u32
				));
				Self::remove_owned(part, part_info)?;
			}
		}
		weight.saturating_accrue(T::WeightInfo::remove_content(info.replicas.len() as u32));
		Self::remove_owned(content, info)?;
		Ok(weight)
	}

	/// The weight of removing an item with `parts` parts, each item with `holders` holders:
	/// the items' removals, and reading and writing the video's records (the video's and each
	/// part's link, and each removed item's look for links of its own).
	pub fn remove_weight(parts: u32, holders: u32) -> Weight {
		let items = u64::from(parts.saturating_add(1));
		T::WeightInfo::remove_content(holders)
			.saturating_mul(items)
			.saturating_add(T::DbWeight::get().reads_writes(2 + 2 * items, items))
	}

	/// The extra weight of dropping an item that is a video or part of one, on top of
	/// [`Pallet::remove_item`]'s: the video's record and every part's link.
	pub(crate) fn unlink_weight() -> Weight {
		T::DbWeight::get().reads_writes(3, T::MaxRenditions::get().saturating_add(2).into())
	}

	/// Forgets the video links of `content`, which is being dropped: a video's parts stay
	/// registered as items of their own, a part leaves its video.
	pub(crate) fn unlink(content: &ContentId) {
		if let Some(video) = Videos::<T>::take(content) {
			for part in video.parts() {
				VideoOf::<T>::remove(part);
			}
		} else if let Some(video) = VideoOf::<T>::take(content) {
			Videos::<T>::mutate(video, |info| {
				if let Some(info) = info {
					info.forget(content);
				}
			});
		}
	}

	/// Drops `content` and tells who removed it.
	fn remove_owned(content: ContentId, info: ContentInfo<T>) -> DispatchResult {
		let owner = info.owner.clone();
		Self::remove_item(content, info)?;
		Self::deposit_event(Event::ContentRemoved { content, owner });
		Ok(())
	}

	/// `content`, registered and owned by `owner`.
	fn owned(owner: &T::AccountId, content: &ContentId) -> Result<ContentInfo<T>, DispatchError> {
		let info = Contents::<T>::get(content).ok_or(Error::<T>::UnknownContent)?;
		ensure!(&info.owner == owner, Error::<T>::NotOwner);
		Ok(info)
	}

	/// `part`, owned by `owner` and free to become part of a video.
	fn unattached_part(
		owner: &T::AccountId,
		part: &ContentId,
	) -> Result<ContentInfo<T>, DispatchError> {
		let info = Self::owned(owner, part)?;
		ensure!(!Videos::<T>::contains_key(part), Error::<T>::PartIsVideo);
		ensure!(!VideoOf::<T>::contains_key(part), Error::<T>::AlreadyPart);
		Ok(info)
	}

	/// The video `content` is part of, or `content` itself: whose grant gives access to it.
	pub fn access_subject(content: &ContentId) -> ContentId {
		VideoOf::<T>::get(content).unwrap_or(*content)
	}
}

/// Checks of the video records, for `try_state`.
#[cfg(any(feature = "try-runtime", feature = "std"))]
pub(crate) fn check<T: Config>() -> Result<(), sp_runtime::TryRuntimeError> {
	for (video, info) in Videos::<T>::iter() {
		let source = Contents::<T>::get(video).ok_or("a video is registered")?;
		ensure!(!VideoOf::<T>::contains_key(video), "a video is no part");
		for part in info.parts() {
			let item = Contents::<T>::get(part).ok_or("a video's part is registered")?;
			ensure!(item.owner == source.owner, "a video's parts share its owner");
			ensure!(VideoOf::<T>::get(part) == Some(video), "every part links back to its video");
		}
	}
	for (part, video) in VideoOf::<T>::iter() {
		let info = Videos::<T>::get(video).ok_or("a part's video is described")?;
		ensure!(info.parts().any(|listed| listed == part), "a part is listed by its video");
	}
	Ok(())
}
