//! The files of a K function study, shared by the planar (`pattern`: Ripley's K) and
//! the network (`network k`) studies: `k.*` for K, `cross_k.*` for cross K.

/// The stem of the files: `k` or `cross_k`.
pub fn stem(cross: bool) -> &'static str {
    if cross {
        "cross_k"
    } else {
        "k"
    }
}

/// The files written: the table, the JSON summary and the plot (PNG and SVG).
pub fn files(cross: bool) -> Vec<String> {
    let s = stem(cross);
    ["csv", "json", "png", "svg"]
        .iter()
        .map(|e| format!("{s}.{e}"))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn files_k_and_cross_k() {
        assert_eq!(files(false), ["k.csv", "k.json", "k.png", "k.svg"]);
        assert_eq!(files(true)[3], "cross_k.svg");
    }
}
