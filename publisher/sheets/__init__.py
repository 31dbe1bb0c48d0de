"""The stewards' spreadsheets: a template of sheets (CSV files or one .xlsx workbook)
mapped to RDF by shipped W3C CSVW metadata, validated cell by cell, and the published
dataset written back in the same template."""
