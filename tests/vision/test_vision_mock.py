"""The mock LLM's description of an image: size, orientation, dominant colours; deterministic."""

from __future__ import annotations

import base64

import pytest

from tests.vision.helpers import drawn
from troupe_es import limits
from troupe_es.errors import ImageError
from troupe_es.images import read_image
from troupe_es.llm import ChatRequest
from troupe_es.llm.mock import mock_completion
from troupe_es.llm.mock_vision import describe_image


def _request(*images: bytes) -> ChatRequest:
    parts = [{"type": "text", "text": "Describe this image."}]
    parts += [{"type": "image_url", "image_url": {"url": "data:image/png;base64," + base64.b64encode(i).decode()}}
              for i in images]
    return ChatRequest(model="gpt-4o-mini", messages=[{"role": "user", "content": parts}])


@pytest.mark.parametrize("size, colour, band, expected", [
    ((120, 80), (10, 30, 110), (255, 255, 255), "An image of 120×80 pixels (landscape), mostly dark blue (67%) and "
                                               "white (33%)."),
    ((50, 50), (40, 170, 60), None, "An image of 50×50 pixels (square), mostly green (100%)."),
    ((30, 90), (250, 220, 40), (130, 80, 30), "An image of 30×90 pixels (portrait), mostly yellow (67%) and "
                                             "brown (33%)."),
])
def test_the_description_names_size_orientation_and_dominant_colours(size, colour, band, expected):
    image = drawn(size, colour=colour, band=band)
    assert describe_image(image) == expected
    assert mock_completion(_request(image)) == expected == mock_completion(_request(image))  # deterministic


def test_several_images_are_numbered_and_undecodable_ones_still_get_an_answer():
    a, b = drawn((50, 50), band=None), drawn((60, 30), colour=(220, 30, 30), band=None)
    assert mock_completion(_request(a, b)) == ("Image 1: An image of 50×50 pixels (square), mostly dark blue (100%). "
                                               "Image 2: An image of 60×30 pixels (landscape), mostly red (100%).")
    assert mock_completion(_request(b"garbage")) == "An image the mock cannot decode."


def test_an_image_with_too_many_pixels_is_refused(monkeypatch):
    monkeypatch.setattr(limits, "MAX_IMAGE_PIXELS", 120 * 80 - 1)
    with pytest.raises(ImageError, match=r"the image is 120×80 pixels; at most 9599 pixels are allowed"):
        read_image(drawn((120, 80)))


def test_the_mock_counts_an_image_as_a_fixed_number_of_tokens_not_its_base64():
    from troupe_es.llm.mock import MockProvider
    from troupe_es.llm.mock_vision import IMAGE_TOKENS

    small, large = drawn((20, 20), band=None), drawn((400, 300))
    tokens = [MockProvider().complete(_request(image), 5).input_tokens for image in (small, large)]
    assert tokens[0] == tokens[1] == len("Describe this image.") // 4 + IMAGE_TOKENS
