"""The reclaimed-water rights exchange as pure rules: capacity, terms, bids, prices, settlement.

No I/O here: the store (`reclaim.store`) applies these rules inside database transactions and the
service (`reclaim.service`) exposes them over HTTP.
"""
