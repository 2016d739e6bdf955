"""Tables for people beside the KPIs (:mod:`optimizer.kpis`): the district's readiness views.

* :mod:`optimizer.views.readiness` — the 标准地 inventory, per parcel, per owning department and
  per quarter (``landalloc readiness``, the result folder's ``readiness.csv``);
* :mod:`optimizer.views.ranking` — the parcels for one project, ranked by readiness
  (``landalloc readiness --project``).

Both are pure functions of the instance and a readiness rule set; they read the rules and the
assessment of :mod:`optimizer.readiness` and nothing reads them inside the solver.
"""
