"""Dispute mediation (矛盾纠纷化解, People's Mediation Law arts. 17–33): disputes, parties,
sessions, agreements and the mediation file."""
