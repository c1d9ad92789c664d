/*
 * The project's version: the one definition that alpr, alprd, alpr-simboard and the Debian
 * package (the Makefile reads it from this line) all report.
 */
#ifndef ALPR_VERSION_H
#define ALPR_VERSION_H

#define ALPR_VERSION "0.1.0"

#endif
