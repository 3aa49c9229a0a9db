//! Two-step sign-in as the browser sees it: the authenticator secret's
//! `otpauth://` URI drawn as a QR code. The codes themselves (RFC 6238) and
//! the recovery codes are the application layer's, re-exported here.

pub use carethread_app::totp::*;

/// The URI as a QR code, in SVG, for an authenticator app's camera.
#[must_use]
pub fn qr_svg(uri: &str) -> Option<String> {
    let code = qrcode::QrCode::with_error_correction_level(uri.as_bytes(), qrcode::EcLevel::M).ok()?;
    Some(code.render::<qrcode::render::svg::Color<'_>>().min_dimensions(220, 220).quiet_zone(true).build())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_qr_code_is_an_svg_image() {
        let svg = qr_svg(&otpauth_uri("Clinic", "dr.lee", &new_secret())).expect("svg");
        assert!(svg.contains("<svg") && svg.contains("</svg>"));
    }
}
