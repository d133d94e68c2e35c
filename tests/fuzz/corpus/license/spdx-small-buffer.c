/* SPDX-License-Identifier: LicenseRef-x */
