# Sourced by docker/build-local.sh and tests/deploy/check_images.sh: buildah's settings for this
# project's local images. Everything lives under $MGI_IMAGES_DIR (default build/images): the image
# store (storage/, run/), buildah's temporary files and build cache mounts (tmp/, which holds the
# build stage's ccache), the debootstrap tree, the SBOMs and the logs.
#   STORAGE_DRIVER: overlay where the kernel lets root mount overlayfs (a layer commit is a diff),
#   vfs otherwise (every layer a full copy: slow for the 1.4 GB build stage). The choice is written
#   to storage.conf on first use and kept, since a store cannot change driver; MGI_STORAGE_DRIVER
#   forces one for a new store.
# shellcheck shell=bash
mgi_images_dir=${MGI_IMAGES_DIR:-$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)/build/images}
export BUILDAH_ISOLATION=chroot
export TMPDIR=$mgi_images_dir/tmp
export CONTAINERS_STORAGE_CONF=$mgi_images_dir/storage.conf

# mgi_storage_init: creates storage.conf (choosing the driver) unless it exists; prints the driver.
mgi_storage_init() {
  mkdir -p "$mgi_images_dir" "$TMPDIR"
  if [ ! -f "$CONTAINERS_STORAGE_CONF" ]; then
    local driver=${MGI_STORAGE_DRIVER:-} probe
    if [ -z "$driver" ]; then
      probe=$(mktemp -d "$mgi_images_dir/overlay-probe.XXXXXX")
      mkdir "$probe/lower" "$probe/upper" "$probe/work" "$probe/merged"
      if mount -t overlay overlay \
          -o "lowerdir=$probe/lower,upperdir=$probe/upper,workdir=$probe/work" "$probe/merged" 2>/dev/null; then
        umount "$probe/merged"; driver=overlay
      else
        echo "build-local: overlayfs cannot be mounted here; using the vfs driver (each layer a full copy)" >&2
        driver=vfs
      fi
      rm -rf "$probe"
    fi
    cat > "$CONTAINERS_STORAGE_CONF" <<CONF
[storage]
driver = "$driver"
graphroot = "$mgi_images_dir/storage"
runroot = "$mgi_images_dir/run"
CONF
  fi
  STORAGE_DRIVER=$(sed -n 's/^driver = "\(.*\)"/\1/p' "$CONTAINERS_STORAGE_CONF")
  export STORAGE_DRIVER
  echo "$STORAGE_DRIVER"
}
