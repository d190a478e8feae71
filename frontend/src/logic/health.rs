//! The account health panel's arithmetic: whole points for display (no
//! float formatting) and the trend line's SVG points.

/// A 0–100 value as whole points, clamped.
pub fn points(value: f64) -> i32 {
    (value.round() as i32).clamp(0, 100)
}

/// `x,y` pairs of a polyline drawing `scores` (0–100) in a `width` ×
/// `height` box, oldest on the left, 100 at the top.
pub fn sparkline(scores: &[i32], width: i32, height: i32) -> String {
    let steps = (scores.len() as i32 - 1).max(1);
    scores
        .iter()
        .enumerate()
        .map(|(n, s)| {
            let x = n as i32 * width / steps;
            let y = height - s.clamp(&0, &100) * height / 100;
            format!("{x},{y}")
        })
        .collect::<Vec<_>>()
        .join(" ")
}

/// `+5`, `-3`, `0`.
pub fn signed(n: i32) -> String {
    if n > 0 {
        format!("+{n}")
    } else {
        n.to_string()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn scores_are_whole_points() {
        assert_eq!(points(72.5), 73);
        assert_eq!(points(-1.0), 0);
        assert_eq!(points(100.4), 100);
    }

    #[test]
    fn the_trend_fills_its_box() {
        assert_eq!(sparkline(&[100, 50, 0], 100, 40), "0,0 50,20 100,40");
        assert_eq!(sparkline(&[80], 100, 40), "0,8");
        assert_eq!(sparkline(&[], 100, 40), "");
        assert_eq!(signed(5), "+5");
        assert_eq!(signed(-3), "-3");
        assert_eq!(signed(0), "0");
    }
}
