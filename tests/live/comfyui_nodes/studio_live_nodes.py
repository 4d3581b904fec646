"""A model-free ComfyUI node for the studio's live check (copied into ComfyUI's custom_nodes/).

ComfyUI's own model-free nodes (EmptyImage, ImageInvert, ImageScale...) finish at once and report
no steps. This node passes its images through in timed steps and reports each one with ComfyUI's
own ProgressBar (the hook KSampler's sampler callback also goes through), a JPEG preview
included, so the real server sends real `progress` messages and binary preview frames, can be
interrupted between steps, and raises a real execution error when asked to.
"""

from __future__ import annotations

import time

import comfy.model_management
import comfy.utils
from PIL import Image


class StudioLiveSteps:
    @classmethod
    def INPUT_TYPES(cls):  # ComfyUI's node protocol names it so
        return {
            "required": {
                "images": ("IMAGE",),
                "steps": ("INT", {"default": 4, "min": 1, "max": 100000}),
                "seconds_per_step": ("FLOAT", {"default": 0.2, "min": 0.0, "max": 60.0}),
                "fail_at_step": ("INT", {"default": 0, "min": 0, "max": 100000}),
            }
        }

    RETURN_TYPES = ("IMAGE",)
    FUNCTION = "run"
    CATEGORY = "studio/live check"

    def run(self, images, steps, seconds_per_step, fail_at_step):
        bar = comfy.utils.ProgressBar(steps)
        pixels = (images[0].clamp(0, 1).cpu().numpy() * 255).astype("uint8")
        preview = Image.fromarray(pixels)
        for step in range(1, steps + 1):
            time.sleep(seconds_per_step)
            comfy.model_management.throw_exception_if_processing_interrupted()
            if step == fail_at_step:
                raise RuntimeError(f"studio live check: failing at step {step} as asked")
            bar.update_absolute(step, steps, ("JPEG", preview, 512))
        return (images,)


NODE_CLASS_MAPPINGS = {"StudioLiveSteps": StudioLiveSteps}
NODE_DISPLAY_NAME_MAPPINGS = {"StudioLiveSteps": "Studio live-check steps"}
