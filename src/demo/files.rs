//! The demo city as files: the incidents table, one GeoJSON per layer and the ground
//! truth.

use super::*;

/// The incidents as a table: `id,x,y,lon,lat,datetime,category,kind,chain,address`.
pub fn incidents_table(inc: &Incidents) -> Result<impl crate::export::Table + '_> {
    use crate::export::{table_indexed, Cell, Column};
    let to_ll = Reprojector::new(&inc.crs.working, &WGS84)?;
    let columns = vec![
        Column::text("id"),
        Column::float("x"),
        Column::float("y"),
        Column::float("lon"),
        Column::float("lat"),
        Column::text("datetime"),
        Column::text("category"),
        Column::text("kind"),
        Column::text("chain"),
        Column::text("address"),
    ];
    Ok(table_indexed(columns, inc.len(), move |i, sink| {
        let (lon, lat) = to_ll.apply(inc.xy[i][0], inc.xy[i][1])?;
        let t = inc.time[i]
            .map(|t| time::format(t, inc.precision[i]))
            .unwrap_or_default();
        let a = |k: usize| Cell::Str(inc.attrs[k].get(i));
        sink.row(&[
            a(0),
            Cell::Fixed(inc.xy[i][0], 2),
            Cell::Fixed(inc.xy[i][1], 2),
            Cell::Fixed(lon, 7),
            Cell::Fixed(lat, 7),
            Cell::String(t),
            Cell::Str(inc.category_name(i).unwrap_or("")),
            a(1),
            a(2),
            a(3),
        ])
    }))
}

/// Writes the city into the current section of `out`: `incidents.csv`, one GeoJSON per
/// layer (`streets.geojson`, `bars.geojson`, ..., `river.geojson`) and `ground_truth.json`.
pub fn write_city(city: &DemoCity, out: &mut crate::export::Outputs) -> Result<()> {
    out.table("incidents.csv", &incidents_table(&city.incidents)?)?;
    for l in std::iter::once(&city.streets)
        .chain(&city.layers)
        .chain(&city.river)
    {
        out.features(
            &format!("{}.geojson", l.name),
            &crate::export::layer_features(l),
        )?;
    }
    out.json_with_newline("ground_truth.json", &city.truth)
}

/// The files [`write_city`] writes for a city with these layer names.
pub fn city_files(layers: &[&str]) -> Vec<String> {
    let mut v = vec!["incidents.csv".to_string()];
    v.extend(layers.iter().map(|l| format!("{l}.geojson")));
    v.push("ground_truth.json".into());
    v
}
