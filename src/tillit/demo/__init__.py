"""Deterministic Nordic demo data for Tillit (``tillit demo``).

The demo company is *Nordlys Varme AS*, a Norwegian maker of heat pumps and solar systems that
sells to homes, housing cooperatives and businesses in Norway, Sweden and Denmark.
"""
