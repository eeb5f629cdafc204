"""HL7's BiologicallyDerivedProduct examples (``../shared/corpora/fhir-bdp/``, CC0) read with the
same ``fhir.resources`` R5 models that build and validate ``coi export fhir``, and our resource
compared with the example's shape.
"""

from __future__ import annotations

import pytest
from fhir.resources.biologicallyderivedproduct import BiologicallyDerivedProduct
from pydantic import ValidationError

from tests.conftest import CORPORA

FOLDER = CORPORA / "fhir-bdp"
pytestmark = pytest.mark.skipif(
    not FOLDER.is_dir(), reason=f"the FHIR BiologicallyDerivedProduct corpus is absent ({FOLDER})"
)


def _read(name: str) -> BiologicallyDerivedProduct:
    return BiologicallyDerivedProduct.model_validate_xml((FOLDER / name).read_bytes())


def test_the_r5_example_reads_with_its_isbt128_identifiers() -> None:
    product = _read("biologicallyderivedproduct-example.xml")
    assert product.productCode.coding[0].code == "E0398"
    assert product.biologicalSourceEvent.system.endswith("DonationIdentificationNumber")
    assert product.biologicalSourceEvent.value == "A999921123456"
    assert product.productStatus.code == "available"
    assert float(product.storageTempRequirements.low.value) == 1.0
    assert float(product.storageTempRequirements.high.value) == 6.0
    collection_type = product.property[1].valueCodeableConcept.coding[0]
    assert collection_type.system == "https://www.isbt128.org/uri/CollectionType"


@pytest.mark.parametrize(
    "name",
    [
        # productCategory and productStatus as primitives, biologicalSource: the older ballot
        # shape (MANIFEST.md says it does not validate against final R5 as-is).
        "biologicallyderivedproduct-example-autologousHCT.xml",
        # productCategory as a CodeableConcept: R5 made it a Coding.
        "biologicallyderivedproduct-example-apheresis-platelet.xml",
    ],
)
def test_examples_in_an_earlier_shape_are_refused_by_the_r5_models(name: str) -> None:
    with pytest.raises((ValidationError, KeyError, ValueError)):
        _read(name)
