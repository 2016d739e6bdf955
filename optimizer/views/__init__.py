"""Tables for people beside the KPIs (:mod:`optimizer.kpis`): the district's readiness views.

* :mod:`optimizer.views.readiness` — the 标准地 inventory, per parcel, per owning department and
  per quarter (``landalloc readiness``, the result folder's ``readiness.csv``);
* :mod:`optimizer.views.ranking` — the parcels for one project, ranked by readiness
  (``landalloc readiness --project``);
* :mod:`optimizer.views.schedule` — the schedule worked back from a plan's start dates, per
  department (倒排工期, ``landalloc readiness --schedule`` and ``report.xlsx``);
* :mod:`optimizer.views.plan_changes` — what changes between two plans when readiness dates move,
  each change with its cause (``landalloc readiness --slips``);
* :mod:`optimizer.views.unlock` — the gap groups and what delivering each earlier gains
  (优先打通, ``landalloc readiness --unlock``).

All are pure functions of the instance (plans given as tables) and a readiness rule set; they read the rules and the
assessment of :mod:`optimizer.readiness` and nothing reads them inside the solver.
"""
