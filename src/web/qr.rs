//! QR codes drawn on the server as SVG (`qrcode`, without its image dependencies), for the
//! two-factor set-up page: shown as an `<img>` of a `data:` URI, which the pages' CSP
//! allows (`img-src 'self' data:`), so no script and no inline style are needed.

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD;
use qrcode::render::svg;
use qrcode::{EcLevel, QrCode};

/// `text` as a QR code (error correction M, with its quiet zone), as a
/// `data:image/svg+xml;base64,...` URI; `None` when it is too long for a QR code.
pub fn svg_data_uri(text: &str) -> Option<String> {
    let code = QrCode::with_error_correction_level(text.as_bytes(), EcLevel::M).ok()?;
    let svg = code
        .render::<svg::Color<'_>>()
        .min_dimensions(240, 240)
        .dark_color(svg::Color("#000"))
        .light_color(svg::Color("#fff"))
        .quiet_zone(true)
        .build();
    Some(format!(
        "data:image/svg+xml;base64,{}",
        STANDARD.encode(svg)
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_otpauth_uri_becomes_an_svg_image() {
        let uri = svg_data_uri("otpauth://totp/Taskward:ada%40example.com?secret=GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ&issuer=Taskward")
            .expect("fits");
        let b64 = uri
            .strip_prefix("data:image/svg+xml;base64,")
            .expect("a data URI");
        let svg = String::from_utf8(STANDARD.decode(b64).expect("base64")).expect("utf-8");
        assert!(svg.contains("<svg xmlns=\"http://www.w3.org/2000/svg\""));
        assert!(svg.contains("<path fill=\"#000\" d=\"M"));
        assert!(svg_data_uri(&"x".repeat(5000)).is_none());
    }
}
