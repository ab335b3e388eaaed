export const APP_VERSION = '0.53.0';
export const APP_ID = `aeimg ${APP_VERSION}`;
