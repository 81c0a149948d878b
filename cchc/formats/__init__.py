"""Typed dates read the way the pages write them: day before month (dd/mm/yyyy) in both languages.

Django's English formats read «10/01/2027» as 1 October (US month first), and its Vietnamese ones define no input
formats, which falls back to the same US list: a date typed as the pages show it was saved as another date. Only
the input formats are set here; the pages' own display formats stay Django's for each language.
"""
