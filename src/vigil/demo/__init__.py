"""The end-to-end demo on real data (ACS employment, Massachusetts 2015–2018)."""
