//! The customer's drawn signature: a PNG data URL as a browser canvas
//! writes it. Refused (422, on `signature`) unless it decodes to a PNG of
//! at most [`MAX_SIGNATURE_BYTES`] and [`MAX_SIGNATURE_SIDE`] pixels a side
//! with something drawn on it (not every pixel the same).

use base64::Engine;
use shared::texts::{Msg, T};
use shared::visits::{MAX_SIGNATURE_BYTES, MAX_SIGNATURE_SIDE, SIGNATURE_PREFIX};

use crate::error::{AppError, AppResult};

const PNG_MAGIC: &[u8] = b"\x89PNG\r\n\x1a\n";

fn invalid(t: Msg) -> AppError {
    AppError::field("signature", t.en())
}

/// The PNG bytes of a valid signature.
pub fn decode(data_url: &str) -> AppResult<Vec<u8>> {
    let data_url = data_url.trim();
    let Some(encoded) = data_url
        .get(..SIGNATURE_PREFIX.len())
        .filter(|p| p.eq_ignore_ascii_case(SIGNATURE_PREFIX))
        .map(|_| &data_url[SIGNATURE_PREFIX.len()..])
    else {
        return Err(invalid(Msg::new(T::SignatureInvalid)));
    };
    // Base64 is 4/3 of the bytes: refuse a huge text before decoding it.
    let too_large =
        || invalid(Msg::new(T::SignatureTooLarge).with("max", MAX_SIGNATURE_BYTES / 1024));
    if encoded.len() > MAX_SIGNATURE_BYTES / 3 * 4 + 4 {
        return Err(too_large());
    }
    let bytes = base64::engine::general_purpose::STANDARD
        .decode(encoded)
        .map_err(|_| invalid(Msg::new(T::SignatureInvalid)))?;
    if bytes.len() > MAX_SIGNATURE_BYTES {
        return Err(too_large());
    }
    if !bytes.starts_with(PNG_MAGIC) {
        return Err(invalid(Msg::new(T::SignatureInvalid)));
    }
    let limits = png::Limits {
        bytes: 64 * 1024 * 1024,
    };
    let mut decoder = png::Decoder::new_with_limits(std::io::Cursor::new(&bytes), limits);
    decoder.set_transformations(png::Transformations::EXPAND);
    let mut reader = decoder
        .read_info()
        .map_err(|_| invalid(Msg::new(T::SignatureInvalid)))?;
    let (width, height) = (reader.info().width, reader.info().height);
    if width == 0 || height == 0 || width > MAX_SIGNATURE_SIDE || height > MAX_SIGNATURE_SIDE {
        return Err(invalid(
            Msg::new(T::SignatureSide).with("max", MAX_SIGNATURE_SIDE),
        ));
    }
    let size = reader
        .output_buffer_size()
        .ok_or_else(|| invalid(Msg::new(T::SignatureInvalid)))?;
    let mut pixels = vec![0; size];
    let frame = reader
        .next_frame(&mut pixels)
        .map_err(|_| invalid(Msg::new(T::SignatureInvalid)))?;
    let pixels = &pixels[..frame.buffer_size()];
    let step = frame.color_type.samples() * (frame.bit_depth as usize).div_ceil(8);
    let step = step.max(1);
    let first = pixels.get(..step).unwrap_or_default();
    if pixels.chunks(step).all(|p| p == first) {
        return Err(invalid(Msg::new(T::SignatureBlank)));
    }
    Ok(bytes)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A `w`×`h` grey PNG, drawn on when `mark`.
    pub fn png(w: u32, h: u32, mark: bool) -> Vec<u8> {
        let mut out = Vec::new();
        {
            let mut encoder = png::Encoder::new(&mut out, w, h);
            encoder.set_color(png::ColorType::Grayscale);
            encoder.set_depth(png::BitDepth::Eight);
            let mut writer = encoder.write_header().unwrap();
            let mut data = vec![255u8; (w * h) as usize];
            if mark {
                data[0] = 0;
            }
            writer.write_image_data(&data).unwrap();
        }
        out
    }

    fn url(bytes: &[u8]) -> String {
        format!(
            "{SIGNATURE_PREFIX}{}",
            base64::engine::general_purpose::STANDARD.encode(bytes)
        )
    }

    #[test]
    fn a_drawn_png_passes_and_the_rest_is_refused_by_reason() {
        assert!(decode(&url(&png(60, 20, true))).is_ok());
        let reason = |s: &str| match decode(s) {
            Err(AppError::Validation { fields, .. }) => fields["signature"].clone(),
            other => panic!("{other:?}"),
        };
        assert!(reason(&url(&png(60, 20, false))).contains("blank"));
        assert!(reason(&url(&png(MAX_SIGNATURE_SIDE + 1, 1, true))).contains("pixels"));
        assert!(reason("data:image/jpeg;base64,/9j/4AAQ").contains("PNG"));
        assert!(reason(&url(b"GIF89a....")).contains("PNG"));
        assert!(reason("data:image/png;base64,%%%").contains("PNG"));
        let huge = "A".repeat(MAX_SIGNATURE_BYTES * 2);
        assert!(reason(&format!("{SIGNATURE_PREFIX}{huge}")).contains("KB"));
    }
}
