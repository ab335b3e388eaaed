export const APP_VERSION = '0.54.0';
export const APP_ID = `aeimg ${APP_VERSION}`;
