//! POP amounts and percentages as an operator types and reads them: decimal text on the
//! command line, exact integers (planck, parts per billion) on chain.

/// Decimals of POP: one POP is 10^12 planck.
pub const DECIMALS: u32 = 12;

/// Parses decimal `text` with at most `decimals` decimals into an integer of that many
/// decimals, refusing signs, exponents, excess decimals and overflow.
fn parse_fixed(text: &str, decimals: u32) -> Option<u128> {
	let (whole, fraction) = text.split_once('.').unwrap_or((text, ""));
	let digits = |part: &str| part.bytes().all(|byte| byte.is_ascii_digit());
	if (whole.is_empty() && fraction.is_empty()) || !digits(whole) || !digits(fraction) {
		return None;
	}
	if fraction.len() > decimals as usize {
		return None;
	}
	let scale = 10u128.pow(decimals);
	let whole: u128 = if whole.is_empty() { 0 } else { whole.parse().ok()? };
	let padded = format!("{fraction:0<width$}", width = decimals as usize);
	let fraction: u128 = if padded.is_empty() { 0 } else { padded.parse().ok()? };
	whole.checked_mul(scale)?.checked_add(fraction)
}

/// POP as typed (`10000`, `1500.25`, optionally ending in ` POP`) into planck.
pub fn parse_pop(text: &str) -> Result<u128, String> {
	let number = text.trim().trim_end_matches("POP").trim_end();
	parse_fixed(number, DECIMALS)
		.ok_or_else(|| format!("`{text}` is not an amount of POP (e.g. 1000 or 1500.25)"))
}

/// Planck as POP, with the decimals it needs and no more: `1500.25 POP`.
pub fn format_pop(planck: u128) -> String {
	let scale = 10u128.pow(DECIMALS);
	let (whole, fraction) = (planck / scale, planck % scale);
	if fraction == 0 {
		return format!("{whole} POP");
	}
	let fraction = format!("{fraction:0width$}", width = DECIMALS as usize);
	format!("{whole}.{} POP", fraction.trim_end_matches('0'))
}

/// A percentage as typed (`10`, `2.5`, optionally ending in `%`) into parts per billion,
/// at most 100 %.
pub fn parse_percent(text: &str) -> Result<u32, String> {
	let number = text.trim().trim_end_matches('%').trim_end();
	parse_fixed(number, 7)
		.filter(|parts| *parts <= 1_000_000_000)
		.map(|parts| parts as u32)
		.ok_or_else(|| format!("`{text}` is not a percentage from 0 to 100 (e.g. 10 or 2.5)"))
}

/// Parts per billion as a percentage: `2.5%`.
pub fn format_percent(parts: u32) -> String {
	let text = format!("{}.{:07}", parts / 10_000_000, parts % 10_000_000);
	format!("{}%", text.trim_end_matches('0').trim_end_matches('.'))
}

#[cfg(test)]
mod tests {
	use super::*;

	const POP: u128 = 10u128.pow(DECIMALS);

	#[test]
	fn pop_amounts_parse_exactly() {
		assert_eq!(parse_pop("10000"), Ok(10_000 * POP));
		assert_eq!(parse_pop("1500.25"), Ok(1_500 * POP + POP / 4));
		assert_eq!(parse_pop(" 2 POP "), Ok(2 * POP));
		assert_eq!(parse_pop("0.000000000001"), Ok(1));
		assert_eq!(parse_pop(".5"), Ok(POP / 2));
		for bad in ["", ".", "-1", "1e3", "1.0000000000001", "1,5", "0x10", "1 2", &"9".repeat(40)] {
			assert!(parse_pop(bad).is_err(), "{bad:?}");
		}
	}

	#[test]
	fn pop_amounts_read_back() {
		for (planck, text) in [(0, "0 POP"), (10_000 * POP, "10000 POP"), (POP / 4, "0.25 POP"), (1, "0.000000000001 POP")] {
			assert_eq!(format_pop(planck), text);
			assert_eq!(parse_pop(text), Ok(planck));
		}
	}

	#[test]
	fn percentages_are_parts_per_billion_up_to_a_hundred() {
		assert_eq!(parse_percent("10"), Ok(100_000_000));
		assert_eq!(parse_percent("2.5%"), Ok(25_000_000));
		assert_eq!(parse_percent("100"), Ok(1_000_000_000));
		assert_eq!(parse_percent("0.0000001"), Ok(1));
		for bad in ["100.1", "101", "-1", "", "0.00000001"] {
			assert!(parse_percent(bad).is_err(), "{bad:?}");
		}
		assert_eq!(format_percent(25_000_000), "2.5%");
		assert_eq!(format_percent(100_000_000), "10%");
		assert_eq!(format_percent(0), "0%");
	}
}
