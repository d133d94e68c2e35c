# SPDX-License-Identifier:   
SPDX-License-Identifier: (BSD-2-Clause OR MIT)	
