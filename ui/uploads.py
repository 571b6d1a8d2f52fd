"""What the photo uploaders accept (one definition for every page)."""

# Extensions pose_core.decode_image reads (GIF: first frame).
IMAGE_TYPES = ["jpg", "jpeg", "png", "webp", "bmp", "tif", "tiff", "gif"]
# Per-photo upload size and pixel budget: ui.limits.current() (POSESCOPE_* variables).
