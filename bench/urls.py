"""The product's URLs plus the bare baseline views (bench/bare.py), for the benchmarks only."""

from django.urls import path

from bench import bare
from cchc.urls import urlpatterns as product

urlpatterns = [
    path("bench-bare/sheet/<int:assessment_id>/", bare.sheet),
    path("bench-bare/line/<int:line_id>/", bare.line_update),
    path("bench-bare/signed-in/<int:line_id>/", bare.signed_in_noop),
    path("bench-bare/floor/<int:line_id>/", bare.save_floor),
    path("bench-bare/floor-without-totals/<int:line_id>/", bare.save_floor_without_totals),
    path("bench-bare/upload/", bare.upload),
    path("bench-bare/public/<int:year>/", bare.public),
    path("bench-bare/listing/<slug:name>/<int:cycle_id>/", bare.listing),
    *product,
]
