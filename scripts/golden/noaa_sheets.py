#!/usr/bin/env python3
"""Extract published sunrise / sunset / solar noon values from saved copies of
NOAA's solar calculation spreadsheets into fixtures/golden/solar/noaa_sheets.csv.

NOAA Global Monitoring Laboratory publishes `NOAA_Solar_Calculations_year.xls` and
`NOAA_Solar_Calculations_day.xls` on its "Solar Calculation Details" page (solcalc).
A saved spreadsheet keeps the values its formulas computed for the inputs in its
highlighted cells (latitude, longitude, time zone, year or date, time of day). We
use saved copies whose inputs are stated below; the values are NOAA's formulas as
evaluated by the spreadsheet program, not ours.

Usage (needs xlrd: python3 -m venv v && v/bin/pip install xlrd):
    v/bin/python scripts/golden/noaa_sheets.py YEAR_DEFAULT.xls YEAR_VA.xls DAY_TR.xls LAT60.csv LATM60.csv > fixtures/golden/solar/noaa_sheets.csv

  YEAR_DEFAULT.xls  NOAA_Solar_Calculations_year.xls as distributed (lat 40, lon -105, tz -7, 2010, 12:00)
  YEAR_VA.xls       the year sheet saved with lat 37, lon -76.4, tz -4, 2015, 23:24 (Hampton Roads, Virginia)
  DAY_TR.xls        the day sheet saved with lat 40, lon 30, tz +3, 2019-04-10 (first row, 00:06)
  LAT60.csv         the year sheet saved as CSV with lat 60, lon 0, tz 0, 2010, 12:00 (values hh:mm:ss)
  LATM60.csv        the same with lat -60
Copies used (2026): github.com/Jwely/solar (YEAR_VA), NghiaCaNgao/SunCalc (YEAR_DEFAULT),
mtekpinar/renewable_solar (DAY_TR), audreyclusin/final_project (LAT60, LATM60).
Every 7th day of the year sheets is written.
"""
import csv
import sys
from datetime import date, timedelta

import xlrd

SERIAL0 = date(1899, 12, 30)  # spreadsheet serial day 0 (1900 date system, after March 1900)


def iso(serial):
    return (SERIAL0 + timedelta(days=int(serial))).isoformat()


def year_sheet(path, site, every=7):
    sh = xlrd.open_workbook(path).sheet_by_index(0)
    lat, lon, tz, tod = (sh.cell_value(r, 1) for r in (1, 2, 3, 4))
    out = []
    for r in range(1, sh.nrows, every):
        serial = sh.cell_value(r, 3)
        if serial == "":
            continue
        out.append([site, lat, lon, tz, iso(serial), repr(sh.cell_value(r, 4)),
                    repr(sh.cell_value(r, 23)), repr(sh.cell_value(r, 24)),
                    repr(sh.cell_value(r, 25)), "exact"])
    return out


def day_sheet(path, site):
    sh = xlrd.open_workbook(path).sheet_by_index(0)
    lat, lon, tz = (sh.cell_value(r, 1) for r in (2, 3, 4))
    r = 1
    return [[site, lat, lon, tz, iso(sh.cell_value(r, 3)), repr(sh.cell_value(r, 4)),
             repr(sh.cell_value(r, 23)), repr(sh.cell_value(r, 24)),
             repr(sh.cell_value(r, 25)), "exact"]]


def hms(s):
    h, m, sec = (int(v) for v in s.split(":"))
    return repr((h * 3600 + m * 60 + sec) / 86400.0)


def csv_sheet(path, site, every=7):
    with open(path, newline="", encoding="utf-8-sig") as fh:
        rows = list(csv.reader(fh))
    lat, lon, tz = float(rows[1][1]), float(rows[2][1]), float(rows[3][1])
    out = []
    for k, r in enumerate(rows[1:]):
        if k % every or not r[3]:
            continue
        mo, d, y = (int(v) for v in r[3].split("/"))
        h, m, s = (int(v) for v in r[4].split(":"))
        out.append([site, lat, lon, tz, date(2000 + y, mo, d).isoformat(),
                    repr((h * 3600 + m * 60 + s) / 86400.0),
                    hms(r[23]), hms(r[24]), hms(r[25]), "second"])
    return out


def main():
    a, b, c, d, e = sys.argv[1:6]
    rows = (year_sheet(a, "boulder_co") + year_sheet(b, "hampton_va") + day_sheet(c, "bursa_tr")
            + csv_sheet(d, "lat60_lon0") + csv_sheet(e, "latm60_lon0"))
    w = csv.writer(sys.stdout, lineterminator="\n")
    w.writerow(["site", "lat", "lon", "tz_hours", "date", "time_of_day", "solar_noon",
                "sunrise", "sunset", "precision"])
    w.writerows(rows)


if __name__ == "__main__":
    main()
