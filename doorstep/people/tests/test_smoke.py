from doorstep.people.models import Resident
from doorstep.people.search import search_residents


def test_clerk_finds_own_resident_by_initials(personas, make_resident):
    mine = make_resident("张景林", area=personas.compound_a)
    make_resident("张景林", area=personas.compound_b)
    found = list(search_residents(personas.clerk_a, "zjl"))
    assert found == [mine]
    assert Resident.objects.visible_to(personas.reviewer).count() == 0
