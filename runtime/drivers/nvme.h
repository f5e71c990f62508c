/*
 * nvme.h - the NVMe controller driver (runtime/drivers/nvme.c): PCI class
 * 01/08/02 functions, namespace 1 registered as block device "nvme<N>n1".
 */
#ifndef SOLO_NVME_H
#define SOLO_NVME_H

#include "pci.h"

/* Bring up an NVMe PCI function and register namespace 1 as a block device.
 * 0, -ENODEV when it is not a usable NVMe controller, -ENOMEM. */
int nvme_probe(struct pci_dev *pci);

#endif
